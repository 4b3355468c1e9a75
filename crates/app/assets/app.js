// gongzhi page behaviour: the community map, and CSRF for htmx requests.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (e) {
    var m = document.querySelector('meta[name="csrf-token"]');
    if (m) { e.detail.headers["X-CSRF-Token"] = m.content; }
  });

  // Buttons that change state by htmx and then show the page anew (no inline script: CSP).
  document.addEventListener("htmx:afterRequest", function (e) {
    var el = e.detail && e.detail.elt;
    var ms = el && el.dataset ? Number(el.dataset.reloadAfter) : NaN;
    if (isFinite(ms) && e.detail.successful) { setTimeout(function () { location.reload(); }, ms); }
  });

  function fetchAll(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(url + " " + r.status); }
      return r.json();
    }).then(function (page) { return page.items; });
  }

  // The offline base map, drawn from the district's own geometry when no tile server is
  // configured: streets along the grid boundaries, building footprints, and their names
  // once zoomed in close enough to read them. Shared by every map of the platform.
  var basemapData = null;
  function drawBase(map) {
    var el = map.getContainer();
    el.classList.add("gz-base");
    var roads = L.layerGroup(), houses = L.layerGroup(), names = L.layerGroup();
    roads.addTo(map); houses.addTo(map);
    (basemapData = basemapData || fetch("/api/v1/org/basemap", { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error("basemap " + r.status); } return r.json(); }))
      .then(function (b) {
        // One path per kind (a few hundred segments and footprints each), not one per item.
        var lines = b.roads.map(function (s) { return [[s[0][1], s[0][0]], [s[1][1], s[1][0]]]; });
        L.polyline(lines, { color: "#cfc8bb", weight: 10, interactive: false, lineCap: "square" }).addTo(roads);
        L.polyline(lines, { color: "#ffffff", weight: 7, interactive: false, lineCap: "square" }).addTo(roads);
        var feet = b.buildings.map(function (h) {
          // A footprint of about 24 m × 12 m around the building's point.
          var dy = 6 / 111320, dx = 12 / (111320 * Math.cos(h.lat * Math.PI / 180));
          return [[h.lat - dy, h.lng - dx], [h.lat - dy, h.lng + dx], [h.lat + dy, h.lng + dx], [h.lat + dy, h.lng - dx]];
        });
        L.polygon(feet, { color: "#b9ada1", weight: 1, fillColor: "#ddd4ca", fillOpacity: 0.9, interactive: false }).addTo(houses);
        var labelled = false;
        roads.eachLayer(function (l) { l.bringToBack(); });
        var showNames = function () {
          if (map.getZoom() >= 17) {
            // Names are made when first needed (most views never zoom that close).
            if (!labelled) {
              labelled = true;
              b.buildings.forEach(function (h) {
                L.tooltip({ permanent: true, direction: "center", className: "building-label", interactive: false })
                  .setLatLng([h.lat, h.lng]).setContent(h.name).addTo(names);
              });
            }
            names.addTo(map);
          } else { names.remove(); }
        };
        map.on("zoomend", showNames);
        showNames();
      })
      .catch(function (err) { el.dataset.baseError = String(err); });
  }
  window.gzBase = drawBase;

  function initMap(el) {
    if (typeof L === "undefined") { return; }
    var map = L.map(el, { zoomSnap: 0.25, preferCanvas: false });
    var tiles = el.dataset.tiles;
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19 }).addTo(map); } else { drawBase(map); }
    var gridLayer = L.layerGroup().addTo(map);
    var compoundLayer = L.layerGroup().addTo(map);
    var labels = { grids: el.dataset.labelGrids, compounds: el.dataset.labelCompounds };
    // Muted fills tell communities apart; the outline stays the primary blue.
    var palette = ["#5b8def", "#52a37a", "#c58b3c", "#9a6fc9", "#d06d6d", "#4aa6b5", "#8c8c3a", "#b35f95"];
    var communityColour = {};
    Promise.all([fetchAll(el.dataset.grids), fetchAll(el.dataset.compounds)]).then(function (res) {
      var grids = res[0], compounds = res[1];
      var bounds = null;
      grids.forEach(function (g) {
        if (!(g.community in communityColour)) {
          communityColour[g.community] = palette[Object.keys(communityColour).length % palette.length];
        }
        var fill = communityColour[g.community];
        var layer = L.geoJSON(g.geometry, { style: { color: "#1d5fbf", weight: 1.5, fillColor: fill, fillOpacity: 0.12 } });
        var short = g.name.indexOf(g.community_name) === 0 ? g.name.slice(g.community_name.length) : g.name;
        layer.bindTooltip(short, { permanent: true, direction: "center", className: "grid-label" });
        layer.bindPopup("<b>" + g.name + "</b><br>" + g.community_name + "<br><small>" + g.code + "</small>");
        layer.addTo(gridLayer);
        bounds = bounds ? bounds.extend(layer.getBounds()) : layer.getBounds();
      });
      compounds.forEach(function (c) {
        L.geoJSON(c.geometry, { style: { color: "#1e7d32", weight: 1, fillColor: "#4caf50", fillOpacity: 0.3 } })
          .bindPopup("<b>" + c.name + "</b><br><small>" + c.code + "</small>").addTo(compoundLayer);
      });
      var focus = (el.dataset.focus || "").split(",").map(Number);
      if (focus.length === 4 && focus.every(isFinite)) {
        map.fitBounds([[focus[1], focus[0]], [focus[3], focus[2]]], { padding: [20, 20] });
      } else if (bounds) {
        map.fitBounds(bounds, { padding: [10, 10] });
      } else {
        map.setView([31.24, 121.5], 13);
      }
      var overlays = {}; overlays[labels.grids] = gridLayer; overlays[labels.compounds] = compoundLayer;
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var d = L.DomUtil.create("div", "legend");
        var rows = '<div><i style="border-color:#1d5fbf"></i>' + labels.grids + '</div>' +
          '<div><i style="border-color:#1e7d32;background:#4caf5055"></i>' + labels.compounds + '</div>';
        grids.forEach(function (g) {
          if (rows.indexOf(g.community_name) < 0) {
            rows += '<div><i style="border-color:' + communityColour[g.community] + ';background:' + communityColour[g.community] + '33"></i>' + g.community_name + '</div>';
          }
        });
        d.innerHTML = rows;
        return d;
      };
      legend.addTo(map);
      el.dataset.ready = String(grids.length);
    }).catch(function (err) {
      el.dataset.error = String(err);
      el.textContent = el.dataset.labelError || "地图加载失败";
    });
  }

  // Every list table names each cell after its column, so that on a phone (where the CSS
  // turns rows into cards) each value keeps its label.
  function labelCells(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) { return; }
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (td) {
        if (!td.hasAttribute("data-label") && td.colSpan === 1 && heads[col] && heads[col] !== "#") {
          td.setAttribute("data-label", heads[col]);
        }
        col += td.colSpan || 1;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (el) { initMap(el); }
    Array.prototype.forEach.call(document.querySelectorAll("table.list"), labelCells);
    // Print buttons of printable documents (派工单, 调解协议书): no inline script (CSP).
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
