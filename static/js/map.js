// The county map (Leaflet, served from this server): incidents by level (escalations stand out) and high-risk
// hidden dangers, on the intranet's tiles when DISPATCH_MAP_TILES is set, else the county's township outline.
// Nothing is fetched from outside. Every pin is a link reachable by keyboard (Tab, Enter).
"use strict";

const CountyMap = (() => {
  const settings = Client.map || {};
  let outline = null;  // the GeoJSON, fetched once per page from this server

  function base(map) {
    if (settings.tiles) {
      L.tileLayer(settings.tiles, { maxZoom: 18, attribution: "" }).addTo(map);
      return Promise.resolve();
    }
    outline = outline || fetch(settings.outline, { credentials: "same-origin" }).then((r) => r.json());
    return outline.then((geo) => {
      const layer = L.geoJSON(geo, { style: () => ({ className: "township", weight: 1.5, fillOpacity: 0.08 }),
        onEachFeature: (feature, shape) => shape.bindTooltip(
          Client.locale === "zh" && feature.properties.name_zh ? feature.properties.name_zh : feature.properties.name,
          { permanent: true, direction: "center", className: "township-name" }) }).addTo(map);
      if (!map._fitted) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); map._fitted = true; }
    });
  }

  function create(element, { zoom } = {}) {
    const map = L.map(element, { attributionControl: false, zoomSnap: 0.25, keyboard: true });
    map.setView([30.27, 120.15], zoom || 11);
    const ready = base(map);
    const pins = L.layerGroup().addTo(map);
    return { map, pins, ready };
  }

  function pin({ lat, lng, className, text, title, href }) {
    const node = h("span", { class: `map-pin ${className}` }, text);
    const marker = L.marker([lat, lng], { title, alt: title, keyboard: true, riseOnHover: true,
      icon: L.divIcon({ html: node, className: "map-pin-box", iconSize: null }) });
    if (href) marker.on("click", () => { window.location = href; });
    marker.on("add", () => {
      const icon = marker.getElement();
      if (!icon) return;
      icon.setAttribute("role", "link");
      icon.addEventListener("keydown", (event) => { if (event.key === "Enter" && href) window.location = href; });
    });
    return marker;
  }

  // incidents: the board's rows with their counts (escalated: open tasks escalated to the leaders)
  function draw(view, incidents, summary, dangers) {
    view.pins.clearLayers();
    for (const incident of incidents) {
      if (incident.lat === null || incident.lat === undefined || incident.lng === null || incident.lng === undefined) continue;
      const counts = (summary && summary.get(incident.id)) || {};
      const escalated = counts.escalated > 0;
      const title = `${label("level", incident.level)} · ${incident.ref} ${incident.title}${escalated ? ` · ${t("escalated")}` : ""}`;
      view.pins.addLayer(pin({ lat: incident.lat, lng: incident.lng, title, href: `/incidents/${incident.id}`,
        className: `incident-pin lvl-pin-${incident.level}${escalated ? " escalated" : ""}`, text: incident.level }));
    }
    for (const danger of dangers || []) {
      if (danger.lat === null || danger.lat === undefined) continue;
      view.pins.addLayer(pin({ lat: danger.lat, lng: danger.lng, href: `/hidden-dangers/${danger.id}`,
        title: `${label("risk", danger.risk)} · ${danger.ref} ${danger.title}`, className: "danger-pin", text: "!" }));
    }
  }

  // A place for a form: the county's places in a list, or a click (or Enter at the cross-hair) on the map.
  let places = null;
  function picker(id, value) {
    const box = h("div", { id, class: "place-picker", role: "group", "aria-labelledby": `${id}-label` });
    const select = h("select", { id: `${id}-place`, "aria-label": t("map_place") }, h("option", { value: "" }, t("map_choose_place")));
    const shown = h("p", { class: "hint place-point", "aria-live": "polite" });
    const mapBox = h("div", { class: "picker-map", tabindex: "0", "aria-label": t("map_pick_help") });
    const clear = h("button", { type: "button", class: "small place-clear" }, t("map_clear"));
    box.append(select, mapBox, h("div", { class: "place-row" }, shown, clear));
    let point = value && value.lat !== null && value.lat !== undefined ? { lat: value.lat, lng: value.lng } : null;
    let view = null, marker = null;
    function set(next, fromSelect) {
      point = next;
      if (!fromSelect) select.value = "";
      shown.textContent = point ? `${t("map_point")} ${point.lat.toFixed(5)}, ${point.lng.toFixed(5)}` : t("map_no_point");
      if (!view) return;
      if (marker) { marker.remove(); marker = null; }
      if (point) { marker = L.marker([point.lat, point.lng], { keyboard: false, icon: L.divIcon({ html: h("span", { class: "map-pin pick-pin" }, "●"), className: "map-pin-box", iconSize: null }) }).addTo(view.map); view.map.panTo([point.lat, point.lng]); }
    }
    select.addEventListener("change", () => {
      const place = (places || []).find((p) => String(p.id) === select.value);
      set(place ? { lat: place.lat, lng: place.lng } : null, true);
    });
    clear.addEventListener("click", () => set(null));
    mapBox.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      const centre = view.map.getCenter();
      set({ lat: Number(centre.lat.toFixed(6)), lng: Number(centre.lng.toFixed(6)) });
    });
    (places ? Promise.resolve(places) : Api.get("/api/places").then((r) => (places = r.items))).then((items) => {
      select.append(...items.map((p) => h("option", { value: p.id },
        `${Client.locale === "zh" && p.name_zh ? p.name_zh : p.name} · ${label("place_kind", p.kind)}`)));
    }).catch(() => {});
    // the map is drawn once the dialog has laid the box out
    requestAnimationFrame(() => {
      view = create(mapBox, { zoom: 11 });
      view.map.on("click", (event) => set({ lat: Number(event.latlng.lat.toFixed(6)), lng: Number(event.latlng.lng.toFixed(6)) }));
      set(point);
    });
    set(point);
    box.read = () => point;
    return box;
  }

  return { create, draw, picker };
})();
