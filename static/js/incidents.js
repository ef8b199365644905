(async () => {
  const body = document.querySelector("#incidents tbody");
  const data = await Api.get("/api/incidents?limit=200");
  for (const incident of data.items) {
    const row = body.insertRow();
    for (const value of [incident.ref, incident.title, incident.level, incident.status,
                         incident.headcount, incident.location]) {
      row.insertCell().textContent = value;
    }
  }
})();
