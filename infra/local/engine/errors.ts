/** The two kinds of error the local Step Functions raises. */

/** An error the Step Functions API answers with: `code` becomes `__type`, as AWS names it. */
export class StepFunctionsApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = code;
  }
}

/** An error raised inside an execution, matched by Retry and Catch on its name. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}
