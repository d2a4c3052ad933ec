// The signed-in fan (tokens from Cognito) and this browser's push device id.
const SESSION_KEY = "animehub.session";
const DEVICE_KEY = "animehub.device";

function payload(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
}

export function saveSession(email, result) {
  const claims = payload(result.IdToken);
  const session = {
    email,
    sub: claims.sub,
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    expiresAt: claims.exp * 1000,
  };
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function currentSession() {
  const raw = localStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  const session = JSON.parse(raw);
  if (session.expiresAt <= Date.now()) {
    localStorage.removeItem(SESSION_KEY);
    return null;
  }
  return session;
}

export function signOut() {
  localStorage.removeItem(SESSION_KEY);
}

export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
