// The deployment's settings, written beside index.html by the deploy (never bundled).
let loaded = null;

export async function loadConfig() {
  if (loaded) return loaded;
  const response = await fetch("/config.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  loaded = await response.json();
  return loaded;
}

export function config() {
  if (!loaded) throw new Error("config not loaded");
  return loaded;
}
