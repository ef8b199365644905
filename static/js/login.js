document.getElementById("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.hidden = true;
  try {
    const data = await Api.post("/api/session", {
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    });
    Api.setCsrf(data.csrf_token);
    window.location = "/";
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
});
