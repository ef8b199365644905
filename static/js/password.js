// Changing one's own password (first after a reset or import), then signing in again with it; sign out everywhere.
"use strict";

(() => {
  const form = document.getElementById("password-form");
  const error = document.getElementById("password-error");
  const current = document.getElementById("current-password");
  const fresh = document.getElementById("new-password");
  const repeat = document.getElementById("repeat-password");
  const say = (message, field) => {
    error.textContent = message;
    error.hidden = false;
    for (const input of [current, fresh, repeat]) input.toggleAttribute("aria-invalid", input === field);
    (field || current).focus();
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    if (!current.value) return say(t("password_missing"), current);
    if (!fresh.value) return say(t("password_missing"), fresh);
    if (fresh.value !== repeat.value) return say(t("password_mismatch"), repeat);
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      await Api.post("/api/session/password", { current_password: current.value, new_password: fresh.value });
      // every session ended, this one too: sign in again with the new password
      const data = await Api.post("/api/session", { username: form.dataset.username, password: fresh.value });
      Api.setCsrf(data.csrf_token);
      window.location = "/";
    } catch (e) {
      button.disabled = false;
      const fields = e.fields || {};
      if (fields.current_password) return say(fields.current_password[0], current);
      if (fields.new_password) return say(fields.new_password[0], fresh);
      say(explain(e));
    }
  });
  document.getElementById("sign-out-everywhere").addEventListener("click", async (event) => {
    try {
      await Api.del(`/api/users/${event.currentTarget.dataset.user}/sessions`);
      window.location = "/login";
    } catch (e) {
      flash(explain(e));
    }
  });
})();
