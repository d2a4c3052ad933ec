// Sign up, confirm the emailed code, sign in.
import { confirmSignUp, resendConfirmationCode, signIn, signUp } from "./cognito.js";
import { field, formError, h, showFormError } from "./dom.js";
import { saveSession } from "./session.js";

function submitting(form, busy) {
  form.querySelector("button[type=submit]").disabled = busy;
}

export function signUpView({ navigate }) {
  const email = h("input", { type: "email", name: "email", required: true,
    autocomplete: "username", "data-testid": "signup-email" });
  const password = h("input", { type: "password", name: "password", required: true,
    autocomplete: "new-password", "data-testid": "signup-password" });
  const error = formError();
  const form = h("form", { "data-testid": "signup-form" },
    field("Email", email),
    field("Password", password, "at least 8 characters with upper and lower case and a number"),
    error,
    h("button", { type: "submit", "data-testid": "signup-submit" }, "Create account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submitting(form, true);
    try {
      await signUp(email.value.trim(), password.value);
      navigate(`/confirm?email=${encodeURIComponent(email.value.trim())}`);
    } catch (err) {
      showFormError(error, err.message);
      submitting(form, false);
    }
  });
  return h("section", {}, h("h1", {}, "Create your account"), form);
}

export function confirmView({ navigate, query }) {
  const email = h("input", { type: "email", name: "email", required: true,
    value: query.get("email") || "", "data-testid": "confirm-email" });
  const code = h("input", { name: "code", required: true, inputmode: "numeric",
    autocomplete: "one-time-code", "data-testid": "confirm-code" });
  const error = formError();
  const sent = h("p", { class: "notice", "data-testid": "confirm-notice", hidden: true });
  const resend = h("button", { type: "button", "data-testid": "confirm-resend" },
    "Send a new code");
  const form = h("form", { "data-testid": "confirm-form" },
    h("p", {}, "We sent a confirmation code to your email."),
    field("Email", email),
    field("Confirmation code", code),
    error,
    sent,
    h("button", { type: "submit", "data-testid": "confirm-submit" }, "Confirm"),
    resend,
  );
  resend.addEventListener("click", async () => {
    resend.disabled = true;
    error.hidden = true;
    try {
      const { CodeDeliveryDetails: to } = await resendConfirmationCode(email.value.trim());
      sent.textContent = `We sent a new code to ${to ? to.Destination : "your email"}.`;
      sent.hidden = false;
    } catch (err) {
      showFormError(error, err.message);
    }
    resend.disabled = false;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submitting(form, true);
    try {
      await confirmSignUp(email.value.trim(), code.value.trim());
      navigate(`/signin?confirmed=1&email=${encodeURIComponent(email.value.trim())}`);
    } catch (err) {
      showFormError(error, err.message);
      submitting(form, false);
    }
  });
  return h("section", {}, h("h1", {}, "Confirm your account"), form);
}

export function signInView({ navigate, query, refreshAccount }) {
  const email = h("input", { type: "email", name: "email", required: true,
    value: query.get("email") || "", autocomplete: "username", "data-testid": "signin-email" });
  const password = h("input", { type: "password", name: "password", required: true,
    autocomplete: "current-password", "data-testid": "signin-password" });
  const error = formError();
  const form = h("form", { "data-testid": "signin-form" },
    query.get("confirmed")
      ? h("p", { class: "notice", "data-testid": "signin-notice" },
        "Your account is confirmed. Sign in to continue.")
      : null,
    field("Email", email),
    field("Password", password),
    error,
    h("button", { type: "submit", "data-testid": "signin-submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submitting(form, true);
    try {
      const result = await signIn(email.value.trim(), password.value);
      saveSession(email.value.trim(), result);
      refreshAccount();
      navigate("/");
    } catch (err) {
      showFormError(error, err.message);
      submitting(form, false);
    }
  });
  return h("section", {}, h("h1", {}, "Sign in"), form,
    h("p", {}, "New here? ", h("a", { href: "/signup" }, "Create an account")));
}
