// The one way pages talk to the server: JSON, the session cookie and the CSRF header.
const Api = (() => {
  let csrf = null;
  async function request(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    const response = await fetch(path, { method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw Object.assign(new Error((data && data.error && data.error.message) || response.statusText),
      { status: response.status, body: data });
    return data;
  }
  async function session() {
    const data = await request("GET", "/api/session");
    csrf = data.csrf_token;
    return data;
  }
  return { request, session, setCsrf: (t) => { csrf = t; },
    get: (p) => request("GET", p), post: (p, b) => request("POST", p, b || {}),
    patch: (p, b) => request("PATCH", p, b), del: (p) => request("DELETE", p) };
})();

document.addEventListener("DOMContentLoaded", () => {
  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", async () => {
    await Api.session().catch(() => null);
    await Api.del("/api/session").catch(() => null);
    window.location = "/login";
  });
});
