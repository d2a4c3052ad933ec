// The shared-anime list, one anime, and the share form (with a cover image upload).
import { api, uploadCover } from "./api.js";
import { field, formError, genresFrom, h, showBanner, showFormError } from "./dom.js";
import { currentSession } from "./session.js";

function cover(anime) {
  if (!anime.cover_url) return null;
  return h("img", { class: "cover", src: anime.cover_url, alt: `Cover of ${anime.title}`,
    "data-testid": "anime-cover" });
}

function meta(anime) {
  return h("p", { class: "meta" },
    h("span", { "data-testid": "anime-year" }, anime.year), " · ",
    h("span", { "data-testid": "anime-genres" }, anime.genres.join(", ")));
}

function listItem(anime) {
  return h("li", { class: "anime-item", "data-testid": "anime-item", "data-anime-id": anime.id },
    cover(anime),
    h("div", {},
      h("h2", {}, h("a", { href: `/anime/${anime.id}`, "data-testid": "anime-title" },
        anime.title)),
      meta(anime)));
}

export async function listView({ navigate }) {
  const section = h("section", {}, h("h1", {}, "Shared anime"),
    h("button", { class: "secondary", "data-testid": "refresh-list",
      onclick: () => navigate("/", { replace: true }) }, "Refresh"));
  try {
    const page = await api("/anime");
    section.append(page.items.length
      ? h("ul", { class: "anime-list", "data-testid": "anime-list" }, page.items.map(listItem))
      : h("p", { "data-testid": "anime-empty" }, "Nothing has been shared yet."));
  } catch (err) {
    showBanner(err.message);
    section.append(h("p", { class: "error", "data-testid": "list-error" },
      `The list could not be loaded: ${err.message}`));
  }
  return section;
}

export async function detailView({ params, navigate }) {
  let anime;
  try {
    anime = await api(`/anime/${params.id}`);
  } catch (err) {
    const text = err.status === 404 ? "This anime is not on AnimeHub." : err.message;
    return h("section", {}, h("h1", {}, "Not found"),
      h("p", { class: "error", "data-testid": "detail-error" }, text));
  }
  const session = currentSession();
  const mine = session && session.sub === anime.sharer;
  const error = formError();
  const remove = mine
    ? h("button", { class: "secondary", "data-testid": "anime-delete", onclick: async () => {
      try {
        await api(`/anime/${anime.id}`, { method: "DELETE" });
        navigate("/");
      } catch (err) {
        showFormError(error, err.message);
      }
    } }, "Delete")
    : null;
  return h("article", { class: "detail", "data-testid": "anime-detail", "data-anime-id": anime.id },
    h("h1", { "data-testid": "detail-title" }, anime.title),
    cover(anime),
    meta(anime),
    h("p", { "data-testid": "detail-synopsis" }, anime.synopsis),
    h("p", { class: "meta", "data-testid": "detail-sharer" },
      mine ? "Shared by you" : "Shared by another fan"),
    error,
    remove);
}

export function shareView({ navigate }) {
  const title = h("input", { name: "title", required: true, maxlength: 200,
    "data-testid": "share-title" });
  const year = h("input", { name: "year", type: "number", required: true, min: 1900, max: 2100,
    "data-testid": "share-year" });
  const genres = h("input", { name: "genres", required: true, "data-testid": "share-genres" });
  const synopsis = h("textarea", { name: "synopsis", rows: 3, "data-testid": "share-synopsis" });
  const coverFile = h("input", { name: "cover", type: "file",
    accept: "image/png,image/jpeg,image/webp,image/gif", "data-testid": "share-cover" });
  const error = formError();
  const form = h("form", { "data-testid": "share-form" },
    currentSession() ? null : h("p", { class: "notice", "data-testid": "share-signin-hint" },
      "You are not signed in: sign in to share."),
    field("Title", title),
    field("Year", year),
    field("Genres", genres, "comma-separated, e.g. mecha, slice-of-life"),
    field("Synopsis", synopsis),
    field("Cover image", coverFile),
    error,
    h("button", { type: "submit", "data-testid": "share-submit" }, "Share"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelector("button[type=submit]").disabled = true;
    try {
      const anime = {
        title: title.value.trim(),
        year: Number(year.value),
        genres: genresFrom(genres.value),
        synopsis: synopsis.value,
      };
      const file = coverFile.files[0];
      if (file) anime.cover_key = await uploadCover(file);
      const shared = await api("/anime", { method: "POST", body: anime });
      navigate(`/anime/${shared.id}`);
    } catch (err) {
      const message = err.status === 401 ? "Sign in to share an anime." : err.message;
      showFormError(error, message);
      form.querySelector("button[type=submit]").disabled = false;
    }
  });
  return h("section", {}, h("h1", {}, "Share an anime"), form);
}
