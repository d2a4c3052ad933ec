// The entry module: loads config.json, routes paths to views, keeps the account bar current.
import { listView, detailView, shareView } from "./anime-views.js";
import { confirmView, signInView, signUpView } from "./auth-views.js";
import { loadConfig } from "./config.js";
import { clearBanner, h, showBanner } from "./dom.js";
import { followView } from "./follow-view.js";
import { notificationsView } from "./notifications-view.js";
import { currentSession, signOut } from "./session.js";

const ROUTES = [
  [/^\/$/, listView],
  [/^\/anime\/(?<id>[0-9a-f]{32})$/, detailView],
  [/^\/share$/, shareView],
  [/^\/follow$/, followView],
  [/^\/notifications$/, notificationsView],
  [/^\/signup$/, signUpView],
  [/^\/confirm$/, confirmView],
  [/^\/signin$/, signInView],
];

const view = document.getElementById("view");
// Loaded once, at once. A click while it loads (the links work from the first paint) renders
// its view when it is there; the start then renders nothing over it.
const started = loadConfig();
let leaving = [];
let rendering = 0;

function notFound() {
  return h("section", {}, h("h1", {}, "Page not found"),
    h("p", { "data-testid": "not-found" }, "There is nothing at this address."));
}

function refreshAccount() {
  const account = document.querySelector("[data-testid=account]");
  const session = currentSession();
  account.replaceChildren(...(session
    ? [
      h("span", { "data-testid": "whoami" }, session.email),
      h("button", { class: "secondary", "data-testid": "nav-signout", onclick: () => {
        signOut();
        refreshAccount();
        navigate("/");
      } }, "Sign out"),
    ]
    : [
      h("a", { href: "/signin", "data-testid": "nav-signin" }, "Sign in"),
      h("a", { href: "/signup", "data-testid": "nav-signup" }, "Sign up"),
    ]));
}

async function render() {
  const ticket = ++rendering;
  for (const cleanup of leaving) cleanup();
  leaving = [];
  clearBanner();
  const { pathname, search } = window.location;
  let found = null;
  for (const [pattern, routeView] of ROUTES) {
    const match = pattern.exec(pathname);
    if (match) {
      found = { routeView, params: match.groups || {} };
      break;
    }
  }
  const ctx = {
    params: found ? found.params : {},
    query: new URLSearchParams(search),
    navigate,
    refreshAccount,
    onLeave: (cleanup) => leaving.push(cleanup),
  };
  view.setAttribute("aria-busy", "true");
  let node;
  try {
    await started;
    node = found ? await found.routeView(ctx) : notFound();
  } catch (err) {
    showBanner(err.message);
    node = h("p", { class: "error", "data-testid": "view-error" }, err.message);
  }
  if (ticket !== rendering) return; // a later navigation won
  view.replaceChildren(node);
  view.removeAttribute("aria-busy");
}

function navigate(path, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  return render();
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || link.origin !== window.location.origin || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  navigate(link.pathname + link.search);
});
window.addEventListener("popstate", render);

try {
  const cfg = await started;
  document.querySelector("[data-testid=app-version]").textContent = cfg.version;
  refreshAccount();
  if (rendering === 0) await render();
} catch (err) {
  showBanner(`AnimeHub could not start: ${err.message}`);
}
