// Cognito's own JSON API, called from the browser the way the Amplify libraries do.
import { config } from "./config.js";

// Cognito's errors a fan can act on, in the app's own words; others keep Cognito's message.
const APP_WORDS = {
  CodeMismatchException:
    "That code doesn't match the one we emailed you. Check the latest email from us and try again.",
  ExpiredCodeException: "That code has expired. Send yourself a new one below.",
  UsernameExistsException: "There is already an account with this email. Sign in instead.",
  LimitExceededException: "Too many tries. Wait a few minutes, then try again.",
};

export class CognitoError extends Error {
  constructor(type, message) {
    super(APP_WORDS[type] || message || type || "sign-in service error");
    this.type = type;
  }
}

async function call(action, body) {
  const { endpoint, clientId } = config().cognito;
  let response;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify({ ClientId: clientId, ...body }),
    });
  } catch {
    throw new CognitoError("NetworkError", "The sign-in service cannot be reached.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new CognitoError(data.__type, data.message);
  return data;
}

export function signUp(email, password) {
  return call("SignUp", {
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
}

export function confirmSignUp(email, code) {
  return call("ConfirmSignUp", { Username: email, ConfirmationCode: code });
}

export function resendConfirmationCode(email) {
  return call("ResendConfirmationCode", { Username: email });
}

export async function signIn(email, password) {
  const data = await call("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!data.AuthenticationResult) {
    throw new CognitoError(data.ChallengeName, `Sign-in needs ${data.ChallengeName}.`);
  }
  return data.AuthenticationResult;
}
