declare module 'asl-validator' {
  interface ValidationError {
    'Error code': string;
    Message: string;
  }
  export default function validator(
    definition: unknown,
    options?: { checkPaths?: boolean; checkArn?: boolean },
  ): { isValid: boolean; errors: ValidationError[] };
}
