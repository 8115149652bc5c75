import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROLES } from '../../functions/platform/roles.ts';
import type { RouteSpec } from '../system.ts';
import { acknowledge } from './nag.ts';

export interface SystemApiProps {
  /** Steady-state requests per second of the whole stage. */
  rateLimit: number;
  burstLimit: number;
  logRetention: logs.RetentionDays;
  logRemovalPolicy?: RemovalPolicy;
  /** Where the pages live, if not at the API's own URL (a custom domain): Cognito sends people back there. */
  publicBaseUrl?: string;
  /** Prefix of the managed login's domain (`<prefix>.auth.<region>.amazoncognito.com`); default `jif-<account>`. */
  loginDomainPrefix?: string;
}

/** Access log fields. No query string: the approval links carry their token there. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  errorMessage: '$context.error.message',
});

/**
 * The HTTP API: a Cognito user pool whose groups are the roles, a JWT authorizer on that pool,
 * a `$default` stage with access logs and throttling, and one route per description entry.
 */
export class SystemApi extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly authorizer: HttpJwtAuthorizer;
  readonly loginDomain: cognito.UserPoolDomain;
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: SystemApiProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Accounts are created by an administrator; approvers never log in (they use emailed links).
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    });
    for (const role of ROLES) {
      new cognito.UserPoolGroup(this, `Group-${role}`, {
        userPool: this.userPool,
        groupName: role,
        description: `JIF role ${role}`,
      });
    }
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'JIF: joint intervention fund for Calais port security',
      createDefaultStage: false,
    });
    const base = props.publicBaseUrl ?? this.httpApi.apiEndpoint;
    // The pages sign in through Cognito's managed login: authorization code flow with PKCE (a
    // public client, no secret), back to /auth/callback, out through /signout to the home page.
    this.loginDomain = this.userPool.addDomain('LoginDomain', {
      cognitoDomain: { domainPrefix: props.loginDomainPrefix ?? `jif-${Stack.of(this).account}` },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.userPoolClient = this.userPool.addClient('Client', {
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${base}/auth/callback`],
        logoutUrls: [`${base}/`],
      },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });

    new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.userPoolClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    this.authorizer = new HttpJwtAuthorizer(
      'CognitoAuthorizer',
      `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`,
      { jwtAudience: [this.userPoolClient.userPoolClientId] },
    );

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      ...(props.logRemovalPolicy ? { removalPolicy: props.logRemovalPolicy } : {}),
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
  }

  /** What the pages need to verify sessions and send people to the managed login. */
  sessionSettings(): Record<string, string> {
    const issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;
    return {
      AUTH_MODE: 'cognito',
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: this.userPoolClient.userPoolClientId,
      AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
      AUTH_LOGIN_DOMAIN: this.loginDomain.baseUrl(),
    };
  }

  /** The API's base URL, without a trailing slash (the `$default` stage is at the root). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  addRoute(route: RouteSpec, fn: lambda.IFunction, functionName: string): void {
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${functionName}Integration`, fn);
      this.integrations.set(fn, integration);
    }
    const [created] = this.httpApi.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      ...(route.auth === 'jwt'
        ? { authorizer: this.authorizer }
        : { authorizer: new apigw.HttpNoneAuthorizer() }),
    });
    if (route.auth === 'session' && created) {
      acknowledge(
        created,
        'AwsSolutions-APIG4',
        'A page: the browser sends a session cookie, not a bearer header, so the gateway cannot check it; the handler verifies the cookie (Cognito ID token, signature, issuer, audience, expiry) with jose on every request and serves only public pages without one.',
      );
    }
    if (route.auth === 'public' && created) {
      acknowledge(
        created,
        'AwsSolutions-APIG4',
        'Public on purpose: approvers and the road authority act through emailed links and never log in. The handler authorizes each request by the unguessable single-use token in the link (bad token: 404, expired: 410).',
      );
    }
  }
}
