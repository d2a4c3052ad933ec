// Builds elements from data. Text always goes in as text nodes, never as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function field(label, input, hint) {
  return h("label", {}, label, hint ? h("span", { class: "hint" }, hint) : null, input);
}

export function formError() {
  return h("p", { class: "error", role: "alert", "data-testid": "form-error", hidden: true });
}

export function showFormError(el, message) {
  el.textContent = message;
  el.hidden = false;
}

const banner = () => document.querySelector("[data-testid=app-error]");

export function showBanner(message) {
  banner().textContent = message;
  banner().hidden = false;
}

export function clearBanner() {
  banner().textContent = "";
  banner().hidden = true;
}

export function genresFrom(text) {
  return text
    .split(",")
    .map((g) => g.trim().toLowerCase())
    .filter(Boolean);
}
