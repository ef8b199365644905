// Sign in: a clear message for each way it can fail, in the page's language.
"use strict";

document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const error = document.getElementById("login-error");
  const username = document.getElementById("username");
  const password = document.getElementById("password");
  const say = (message, field) => {
    error.textContent = message;
    error.hidden = false;
    for (const input of [username, password]) input.toggleAttribute("aria-invalid", input === field || field === "both");
    (field === "both" ? password : field || username).focus();
  };
  error.hidden = true;
  if (!username.value.trim()) return say(t("login_missing"), username);
  if (!password.value) return say(t("login_missing"), password);
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const data = await Api.post("/api/session", { username: username.value.trim(), password: password.value });
    Api.setCsrf(data.csrf_token);
    // a reset or imported password is changed before anything else
    window.location = data.must_change_password ? "/password" : form.dataset.next || "/";
  } catch (e) {
    button.disabled = false;
    if (e.status === 401) { password.value = ""; return say(t("login_failed"), "both"); }
    if (e.status === 429) return say(t("login_throttled"));
    say(explain(e));
  }
});
