/** A page of a list query: Auth0's `page` (0-based) and `per_page`. */
export interface Page {
  page: number;
  perPage: number;
}
