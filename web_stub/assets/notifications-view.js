// What SNS pushed to this device, read back from the push endpoint while the view is open.
import { h } from "./dom.js";
import { deviceUrl } from "./follow-view.js";

const POLL_MS = 500;

function item(notification) {
  const message = notification.message || {};
  const anime = message.anime || {};
  const genres = (anime.genres || []).join(", ");
  return h("li", { class: "notification-item", "data-testid": "notification-item" },
    h("span", {}, `New ${genres} share: `),
    anime.id
      ? h("a", { href: `/anime/${anime.id}`, "data-testid": "notification-title" }, anime.title)
      : h("span", { "data-testid": "notification-title" }, String(notification.message)));
}

export function notificationsView({ onLeave }) {
  const url = deviceUrl();
  if (!url) {
    return h("section", {}, h("h1", {}, "Notifications"),
      h("p", { "data-testid": "notifications-unavailable" },
        "Notifications are not available in this deployment."));
  }
  const list = h("ul", { class: "notification-list", "data-testid": "notification-list" });
  const empty = h("p", { "data-testid": "notifications-empty" }, "No notifications yet.");
  let shown = 0;
  let polling = false;
  const poll = async () => {
    // A poll slower than the interval must not overlap the next: both would add the same items.
    if (polling) return;
    polling = true;
    try {
      const response = await fetch(`${url}/notifications`, { cache: "no-store" });
      if (!response.ok) return;
      const all = await response.json();
      for (const notification of all.slice(shown)) list.prepend(item(notification));
      shown = all.length;
      empty.hidden = shown > 0;
    } catch {
      // The device is offline for a moment; the next poll catches up.
    } finally {
      polling = false;
    }
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  onLeave(() => clearInterval(timer));
  return h("section", {}, h("h1", {}, "Notifications"), empty, list);
}
