// Cognito's own JSON API, called from the browser the way the Amplify libraries do.
import { config } from "./config.js";

export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type || "sign-in service error");
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
