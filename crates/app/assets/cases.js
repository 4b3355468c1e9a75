// gongzhi case pages: the map pin of the report form, photos through the JSON API,
// the dispatcher's map of open cases, and the supervision heat map.
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  function baseMap(el) {
    var map = L.map(el, { zoomSnap: 0.25 });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map); } else if (window.gzBase) { window.gzBase(map); }
    var f = (el.dataset.focus || "").split(",").map(Number);
    if (f.length === 4 && f.every(isFinite)) {
      map.fitBounds([[f[1], f[0]], [f[3], f[2]]], { padding: [10, 10] });
    } else {
      map.setView([31.24, 121.5], 14);
    }
    if (el.dataset.grids) {
      fetch(el.dataset.grids, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
        p.items.forEach(function (g) {
          L.geoJSON(g.geometry, { interactive: false, style: { color: "#1d5fbf", weight: 1, fillOpacity: 0.04 } }).addTo(map);
        });
      }).catch(function () {});
    }
    return map;
  }

  // Report form: pick a building or click the map; photos go as data URLs through the API.
  function initReport(form) {
    var lng = document.getElementById("lng"), lat = document.getElementById("lat");
    var sel = document.getElementById("building");
    var el = document.getElementById("pin-map");
    var marker = null, map = null;
    function place(x, y, pan) {
      lng.value = x.toFixed(6); lat.value = y.toFixed(6);
      if (!map) { return; }
      if (!marker) { marker = L.marker([y, x]).addTo(map); } else { marker.setLatLng([y, x]); }
      if (pan) { map.setView([y, x], Math.max(map.getZoom(), 17)); }
    }
    if (el && typeof L !== "undefined") {
      map = baseMap(el);
      map.on("click", function (e) { place(e.latlng.lng, e.latlng.lat, false); if (sel) { sel.value = ""; } });
    }
    function fromBuilding() {
      var o = sel && sel.selectedOptions[0];
      if (o && o.dataset.lng) { place(Number(o.dataset.lng), Number(o.dataset.lat), true); }
    }
    if (sel) { sel.addEventListener("change", fromBuilding); fromBuilding(); }
    var files = document.getElementById("photos");
    form.addEventListener("submit", function (e) {
      if (!files || files.files.length === 0) { return; }
      e.preventDefault();
      postWithPhotos(form, files.files, form.dataset.api, function (data) {
        var body = { text: data.text, lng: Number(data.lng), lat: Number(data.lat) };
        ["category", "channel", "caller_phone", "address"].forEach(function (k) { if (data[k]) { body[k] = data[k]; } });
        if (data.on_behalf_of) { body.on_behalf_of = Number(data.on_behalf_of); }
        return body;
      }, function (res) { location.href = "/cases/" + res.id + (res.merged ? "?merged=1" : "?filed=1"); });
    });
  }

  function readAll(list) {
    return Promise.all(Array.prototype.map.call(list, function (f) {
      return new Promise(function (ok, fail) {
        var r = new FileReader();
        r.onload = function () { ok(r.result); };
        r.onerror = fail;
        r.readAsDataURL(f);
      });
    }));
  }

  function postWithPhotos(form, fileList, url, shape, done) {
    var err = form.querySelector(".form-error") || document.getElementById("form-error");
    var data = {};
    new FormData(form).forEach(function (v, k) { if (typeof v === "string") { data[k] = v; } });
    readAll(fileList).then(function (photos) {
      var body = shape(data);
      body.photos = photos;
      return fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(body)
      });
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error(j.errors && j.errors[0] ? j.errors[0].detail : form.dataset.msgFail); }
        done(j);
      });
    }).catch(function (x) {
      if (err) { err.hidden = false; err.textContent = x.message || form.dataset.msgFail || "提交失败"; }
    });
  }

  function initFeedback(form) {
    var files = form.querySelector("input.photos");
    form.addEventListener("submit", function (e) {
      if (!files || files.files.length === 0) { return; }
      e.preventDefault();
      postWithPhotos(form, files.files, form.dataset.api, function (d) { return { text: d.text }; },
        function () { location.href = location.pathname + "?done=1"; });
    });
  }

  // Dispatcher console: open cases on the map, urgent in red, overdue in orange.
  function initCaseMap(el) {
    if (typeof L === "undefined") { return; }
    var map = baseMap(el);
    fetch(el.dataset.cases, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
      p.items.forEach(function (c) {
        var colour = c.urgent ? "#c62828" : (c.overdue ? "#e07b00" : "#1d5fbf");
        L.circleMarker([c.lat, c.lng], { radius: c.urgent ? 8 : 6, color: colour, weight: 2, fillColor: colour, fillOpacity: 0.5 })
          .bindPopup('<a href="/cases/' + c.id + '">#' + c.id + " " + c.category_name + "</a><br>" +
            c.text.replace(/[<>&]/g, "") + "<br><small>" + c.status_name + "</small>")
          .addTo(map);
      });
      el.dataset.ready = String(p.items.length);
    }).catch(function (x) { el.dataset.error = String(x); });
  }

  // Supervision: cases per grid and category as an ECharts heat map.
  function initHeat(el) {
    if (typeof echarts === "undefined") { return; }
    var data = JSON.parse(document.getElementById("heat-data").textContent);
    var grids = [], cats = [], max = 1;
    data.cells.forEach(function (c) {
      if (grids.indexOf(c.grid_name) < 0) { grids.push(c.grid_name); }
      if (cats.indexOf(c.category) < 0) { cats.push(c.category); }
      max = Math.max(max, c.count);
    });
    grids.sort(); cats.sort();
    var points = data.cells.map(function (c) { return [cats.indexOf(c.category), grids.indexOf(c.grid_name), c.count]; });
    el.style.height = Math.max(260, grids.length * 18 + 190) + "px";
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { formatter: function (p) { return grids[p.value[1]] + "<br>" + (data.categories[cats[p.value[0]]] || cats[p.value[0]]) + ": " + p.value[2]; } },
      grid: { left: 150, right: 20, top: 56, bottom: 150 },
      xAxis: { type: "category", data: cats.map(function (c) { return data.categories[c] || c; }), axisLabel: { rotate: 60, fontSize: 11 } },
      yAxis: { type: "category", data: grids, axisLabel: { fontSize: 11 } },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", right: 20, top: 0, itemHeight: 160, inRange: { color: ["#f3f7fd", "#7fa9e6", "#c62828"] } },
      series: [{ type: "heatmap", data: points, label: { show: false } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = String(points.length);
  }

  // Supervision: grids coloured by how many cases they had.
  function initGridHeat(el) {
    if (typeof L === "undefined") { return; }
    var data = JSON.parse(document.getElementById("heat-data").textContent);
    var per = {}, max = 1;
    data.cells.forEach(function (c) { per[c.grid] = (per[c.grid] || 0) + c.count; max = Math.max(max, per[c.grid]); });
    var map = baseMap(el);
    fetch(el.dataset.gridsAll, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (p) {
      p.items.forEach(function (g) {
        var n = per[g.code] || 0, t = n / max;
        var colour = "rgb(" + Math.round(243 - 45 * t) + "," + Math.round(247 - 207 * t) + "," + Math.round(253 - 213 * t) + ")";
        L.geoJSON(g.geometry, { style: { color: "#1d5fbf", weight: 1, fillColor: colour, fillOpacity: 0.75 } })
          .bindTooltip(g.name + ": " + n + " " + (el.dataset.labelCount || ""), { sticky: true }).addTo(map);
      });
      el.dataset.ready = String(p.items.length);
    }).catch(function (x) { el.dataset.error = String(x); });
  }

  // Bulk import: the file goes as the raw body; the answer is shown as a summary.
  function initImport(form) {
    var out = document.getElementById("import-result");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var f = document.getElementById("import-file").files[0];
      if (!f) { return; }
      var err = document.getElementById("form-error");
      err.hidden = true;
      var type = /\.xlsx$/i.test(f.name) ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
      fetch(form.dataset.api, { method: "POST", credentials: "same-origin", headers: { "Content-Type": type, "X-CSRF-Token": csrf() }, body: f })
        .then(function (r) { return r.json().then(function (j) { if (!r.ok) { throw new Error(j.errors ? j.errors[0].detail : form.dataset.msgFail); } return j; }); })
        .then(function (j) {
          var d = out.dataset;
          var html = "<p>" + d.lRows + " " + j.rows + " · " + d.lCreated + " " + j.created + " · " + d.lMerged + " " + j.merged + " · " + d.lAlready + " " + j.already + "</p>";
          if (j.errors.length) {
            html += "<ul class='plain'>" + j.errors.map(function (x) { return "<li>" + d.lRow + " " + x.row + "：" + x.detail.replace(/[<>&]/g, "") + "</li>"; }).join("") + "</ul>";
          }
          out.innerHTML = html;
          out.dataset.done = "1";
        })
        .catch(function (x) { err.hidden = false; err.textContent = x.message; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var im = document.getElementById("import-form");
    if (im) { initImport(im); }
    var gh = document.getElementById("grid-heat");
    if (gh) { initGridHeat(gh); }
    var f = document.getElementById("report-form");
    if (f) { initReport(f); }
    document.querySelectorAll("form.feedback-form").forEach(initFeedback);
    var m = document.getElementById("case-map");
    if (m) { initCaseMap(m); }
    var h = document.getElementById("heat");
    if (h) { initHeat(h); }
  });
})();
