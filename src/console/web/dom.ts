/** The element with this id, which the page must have. */
export function byId<Type extends HTMLElement = HTMLElement>(id: string): Type {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as Type;
}

type Child = Node | string | null | undefined | false;

/** A new element with text properties (`className`, `textContent`, `title`…) and children. */
export function el<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  properties: Partial<Record<"className" | "textContent" | "title" | "type" | "value", string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  Object.assign(element, properties);
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Pretty JSON for a `<pre>`. */
export const pretty = (value: unknown) => JSON.stringify(value, null, 2);
