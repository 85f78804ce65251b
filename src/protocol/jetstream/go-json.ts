// JSON text as nats-server writes it. Go's encoding/json differs from
// JSON.stringify in one visible way: it escapes `<`, `>` and `&` (and U+2028,
// U+2029) as \u003c-style sequences, so a stream on `orders.>` comes back as
// "orders.\u003e". Clients parse either form the same; we keep nats-server's
// bytes so responses can be compared with it directly.

/** JSON.stringify, then Go's HTML-safe escapes. For API responses, not the per-message path. */
export function goJson(value: unknown): string {
  return goEscape(JSON.stringify(value));
}

function goEscape(json: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    let esc: string | null = null;
    if (c === 0x3c) esc = "\\u003c";
    else if (c === 0x3e) esc = "\\u003e";
    else if (c === 0x26) esc = "\\u0026";
    else if (c === 0x2028) esc = "\\u2028";
    else if (c === 0x2029) esc = "\\u2029";
    if (esc === null) continue;
    out += json.slice(from, i) + esc;
    from = i + 1;
  }
  return from === 0 ? json : out + json.slice(from);
}
