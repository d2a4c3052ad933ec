// Follow genres: this browser becomes the device SNS pushes matching shares to.
import { api } from "./api.js";
import { config } from "./config.js";
import { field, formError, genresFrom, h, showFormError } from "./dom.js";
import { currentSession, deviceId } from "./session.js";

export function deviceUrl() {
  const sink = config().pushSinkUrl;
  return sink ? `${sink.replace(/\/$/, "")}/devices/${deviceId()}` : null;
}

function describe(follows) {
  return follows.length ? `Following ${follows.join(", ")}.` : "You follow no genre yet.";
}

export async function followView() {
  if (!currentSession()) {
    return h("section", {}, h("h1", {}, "Follow genres"),
      h("p", { "data-testid": "follow-signin-hint" }, "Sign in to follow genres. ",
        h("a", { href: "/signin" }, "Sign in")));
  }
  const status = h("p", { class: "notice", "data-testid": "follow-status" });
  const genres = h("input", { name: "genres", "data-testid": "follow-genres" });
  const error = formError();
  try {
    const me = await api("/me");
    genres.value = me.follows.join(", ");
    status.textContent = describe(me.follows);
  } catch (err) {
    showFormError(error, err.message);
  }
  const form = h("form", { "data-testid": "follow-form" },
    field("Genres", genres, "comma-separated; shares of these reach this device"),
    error,
    h("button", { type: "submit", "data-testid": "follow-submit" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      const me = await api("/me/follows", {
        method: "PUT",
        body: { genres: genresFrom(genres.value), endpoint: deviceUrl() },
      });
      status.textContent = describe(me.follows);
    } catch (err) {
      showFormError(error, err.message);
    }
  });
  return h("section", {}, h("h1", {}, "Follow genres"), status, form);
}
