// gongzhi page behaviour: the community map, and CSRF for htmx requests.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (e) {
    var m = document.querySelector('meta[name="csrf-token"]');
    if (m) { e.detail.headers["X-CSRF-Token"] = m.content; }
  });

  function fetchAll(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " " + r.status); }
      return r.json();
    }).then(function (page) { return page.items; });
  }

  function initMap(el) {
    if (typeof L === "undefined") { return; }
    var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false });
    var tiles = el.dataset.tiles;
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); }
    var gridLayer = L.layerGroup().addTo(map);
    var compoundLayer = L.layerGroup().addTo(map);
    var labels = { grids: el.dataset.labelGrids, compounds: el.dataset.labelCompounds };
    Promise.all([fetchAll(el.dataset.grids), fetchAll(el.dataset.compounds)]).then(function (res) {
      var grids = res[0], compounds = res[1];
      var bounds = null;
      grids.forEach(function (g) {
        var layer = L.geoJSON(g.geometry, { style: { color: "#1d5fbf", weight: 1.5, fillColor: "#1d5fbf", fillOpacity: 0.04 } });
        layer.bindTooltip(g.name, { permanent: true, direction: "center", className: "grid-label" });
        layer.bindPopup("<b>" + g.name + "</b><br>" + g.community_name + "<br><small>" + g.code + "</small>");
        layer.addTo(gridLayer);
        bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
      });
      compounds.forEach(function (c) {
        L.geoJSON(c.geometry, { style: { color: "#1e7d32", weight: 1, fillColor: "#4caf50", fillOpacity: 0.3 } })
          .bindPopup("<b>" + c.name + "</b><br><small>" + c.code + "</small>").addTo(compoundLayer);
      });
      if (bounds) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([31.24, 121.5], 13); }
      var overlays = {}; overlays[labels.grids] = gridLayer; overlays[labels.compounds] = compoundLayer;
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var d = L.DomUtil.create("div", "legend");
        d.innerHTML = '<div><i style="border-color:#1d5fbf"></i>' + labels.grids + '</div>' +
          '<div><i style="border-color:#1e7d32;background:#4caf5055"></i>' + labels.compounds + '</div>';
        return d;
      };
      legend.addTo(map);
      el.dataset.ready = String(grids.length);
    }).catch(function (err) {
      el.dataset.error = String(err);
      el.textContent = el.dataset.labelError || "地图加载失败";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (el) { initMap(el); }
  });
})();
