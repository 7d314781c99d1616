/* Maps of the citizen pages, drawn with Leaflet when JavaScript runs. Without it, every
   page shows the same places as text (the list of located proposals, coordinates).

   - #proposals-map[data-geojson]: the proposals of a filtered list, clustered;
   - .map-small[data-point]: the place of one proposal;
   - .map-results[data-points]: the places of the winning projects, with their links;
   - [data-location-picker]: a map that fills the latitude and longitude fields of the
     proposal form when the citizen clicks (or moves the marker with the keyboard).
   Options come from data- attributes: tiles, attribution, center, zoom. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function baseMap(element, center, zoom) {
    element.hidden = false;
    var map = L.map(element, { scrollWheelZoom: false }).setView(center, zoom);
    var tiles = element.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: element.dataset.attribution || "" }).addTo(map);
    }
    return map;
  }

  function numbers(text, fallback) {
    var parts = (text || "").split(",").map(Number);
    return parts.length === 2 && !isNaN(parts[0]) && !isNaN(parts[1]) ? parts : fallback;
  }

  function link(url, text) {
    var anchor = document.createElement("a");
    anchor.href = url;
    anchor.textContent = text;
    return anchor;
  }

  function proposalsMap(element) {
    var center = numbers(element.dataset.center, [46.6, 2.4]);
    var map = baseMap(element, center, Number(element.dataset.zoom || 6));
    var group = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup() : L.featureGroup();
    group.addTo(map);
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { features: [] }; })
      .then(function (collection) {
        var bounds = [];
        collection.features.forEach(function (feature) {
          var lng = feature.geometry.coordinates[0], lat = feature.geometry.coordinates[1];
          var marker = L.marker([lat, lng], { title: feature.properties.title, alt: feature.properties.title });
          marker.bindPopup(link(feature.properties.url, feature.properties.title));
          group.addLayer(marker);
          bounds.push([lat, lng]);
        });
        if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); }
        element.setAttribute("data-ready", String(bounds.length));
      })
      .catch(function () { element.setAttribute("data-ready", "error"); });
  }

  function placeMap(element) {
    var point = numbers(element.dataset.point, null);
    if (!point) { return; }
    var map = baseMap(element, point, 16);
    L.marker(point, { title: element.dataset.title || "", alt: element.dataset.title || "" }).addTo(map);
  }

  function pointsMap(element) {
    var points = [];
    try { points = JSON.parse(element.dataset.points || "[]"); } catch (error) { return; }
    if (!points.length) { return; }
    var map = baseMap(element, points[0].point, 15);
    var bounds = points.map(function (place) {
      var marker = L.marker(place.point, { title: place.title, alt: place.title }).addTo(map);
      marker.bindPopup(link(place.url, place.title));
      return place.point;
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { paddingTopLeft: [30, 50], paddingBottomRight: [30, 20], maxZoom: 16 }); }
    element.setAttribute("data-ready", String(bounds.length));
  }

  function picker(element) {
    var form = element.closest("form") || document;
    var lat = form.querySelector("[name=lat]"), lng = form.querySelector("[name=lng]");
    if (!lat || !lng) { return; }
    var typed = [parseFloat(String(lat.value).replace(",", ".")), parseFloat(String(lng.value).replace(",", "."))];
    var has = !isNaN(typed[0]) && !isNaN(typed[1]);
    var map = baseMap(element, has ? typed : numbers(element.dataset.center, [46.6, 2.4]),
                      has ? 16 : Number(element.dataset.zoom || 6));
    var marker = null;
    function place(latlng, fill) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: element.dataset.label || "" }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), true); });
      } else {
        marker.setLatLng(latlng);
      }
      if (fill) {
        lat.value = latlng.lat.toFixed(6);
        lng.value = latlng.lng.toFixed(6);
      }
    }
    if (has) { place(L.latLng(typed[0], typed[1]), false); }
    map.on("click", function (event) { place(event.latlng, true); });
    function fromFields() {
      var a = parseFloat(String(lat.value).replace(",", ".")), b = parseFloat(String(lng.value).replace(",", "."));
      if (!isNaN(a) && !isNaN(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(L.latLng(a, b), false);
        map.panTo([a, b]);
      }
    }
    lat.addEventListener("change", fromFields);
    lng.addEventListener("change", fromFields);
  }

  document.querySelectorAll("#proposals-map[data-geojson]").forEach(proposalsMap);
  document.querySelectorAll(".map-small[data-point]").forEach(placeMap);
  document.querySelectorAll(".map-results[data-points]").forEach(pointsMap);
  document.querySelectorAll("[data-location-picker]").forEach(picker);
})();
