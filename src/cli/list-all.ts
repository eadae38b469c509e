import type { ApiClient } from "./api-client.ts";

/** The management API's largest page (src/management/pagination.ts). */
const PER_PAGE = 100;

/**
 * Every item of a management API list, page after page.
 * @param path the list's path, perhaps with a query of its own (`/api/v2/rules?enabled=true`)
 */
export async function listAll<Item>(api: ApiClient, path: string): Promise<Item[]> {
  const items: Item[] = [];
  const joiner = path.includes("?") ? "&" : "?";
  for (let page = 0; ; page++) {
    const batch = await api.call<Item[]>("GET", `${path}${joiner}page=${page}&per_page=${PER_PAGE}`);
    items.push(...batch);
    if (batch.length < PER_PAGE) return items;
  }
}
