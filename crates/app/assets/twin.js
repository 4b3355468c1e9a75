// gongzhi digital twin: a scenario's map (roads, vulnerable residents, today's posts and the
// optimised ones) and its charts (minutes to arrival, how busy responders are).
(function () {
  "use strict";
  var el = document.getElementById("twin-data");
  if (!el) { return; }
  var d = JSON.parse(el.textContent);
  var TODAY = "#1d5fbf", OPT = "#2e7d32";

  function initMap(box) {
    if (typeof L === "undefined" || !d.nodes) { return; }
    var map = L.map(box, { zoomSnap: 0.25 });
    var ll = function (i) { return [d.nodes[i][1], d.nodes[i][0]]; };
    d.edges.forEach(function (e) {
      L.polyline([ll(e[0]), ll(e[1])], { color: "#8a94a6", weight: 2, interactive: false }).addTo(map);
    });
    var inside = [];
    d.nodes.forEach(function (n, i) { if (n[2] !== "external") { inside.push(ll(i)); } });
    d.vulnerable.forEach(function (v) {
      L.circleMarker(ll(v[0]), { radius: 4 + 3 * Math.sqrt(v[1]), color: "#c62828", weight: 1, fillOpacity: 0.35 })
        .bindTooltip(d.nodes[v[0]][3] + "：" + v[1] + " " + d.labels.vulnerable).addTo(map);
    });
    d.today.forEach(function (p, r) {
      if (d.fixed[r]) { return; }
      var q = d.optimised[r];
      if (q !== p) {
        L.polyline([ll(p), ll(q)], { color: OPT, weight: 2, dashArray: "4 4", interactive: false }).addTo(map);
      }
      L.circleMarker(ll(p), { radius: 7, color: TODAY, fillColor: TODAY, fillOpacity: 0.9 })
        .bindTooltip(d.labels.today + "：" + d.names[r] + "（" + d.nodes[p][3] + "）").addTo(map);
      L.circleMarker(ll(q), { radius: 5, color: OPT, fillColor: OPT, fillOpacity: 0.9 })
        .bindTooltip(d.labels.optimised + "：" + d.names[r] + "（" + d.nodes[q][3] + "）").addTo(map);
    });
    map.fitBounds(L.latLngBounds(inside), { padding: [16, 16] });
    box.dataset.ready = "1";
  }

  function initCharts(minutesBox, utilBox) {
    if (typeof echarts === "undefined") { return; }
    var bins = d.minutes.today.map(function (_, i) { return i === d.minutes.today.length - 1 ? i + "+" : i + "–" + (i + 1); });
    var c1 = echarts.init(minutesBox);
    c1.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [d.labels.today, d.labels.optimised] },
      grid: { left: 50, right: 16, top: 48, bottom: 48 },
      xAxis: { type: "category", data: bins, name: d.labels.minutes, nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "value", name: d.labels.count },
      series: [
        { name: d.labels.today, type: "bar", data: d.minutes.today, itemStyle: { color: TODAY } },
        { name: d.labels.optimised, type: "bar", data: d.minutes.optimised, itemStyle: { color: OPT } }
      ]
    });
    var c2 = echarts.init(utilBox);
    utilBox.style.height = Math.max(220, d.names.length * 26 + 80) + "px";
    c2.resize();
    c2.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [d.labels.today, d.labels.optimised] },
      grid: { left: 170, right: 24, top: 40, bottom: 48 },
      xAxis: { type: "value", name: d.labels.util, nameLocation: "middle", nameGap: 30 },
      yAxis: { type: "category", data: d.names, inverse: true, axisLabel: { fontSize: 11 } },
      series: [
        { name: d.labels.today, type: "bar", data: d.util.today, itemStyle: { color: TODAY } },
        { name: d.labels.optimised, type: "bar", data: d.util.optimised, itemStyle: { color: OPT } }
      ]
    });
    window.addEventListener("resize", function () { c1.resize(); c2.resize(); });
    minutesBox.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var m = document.getElementById("twin-map");
    if (m) { initMap(m); }
    var a = document.getElementById("twin-minutes"), b = document.getElementById("twin-util");
    if (a && b) { initCharts(a, b); }
  });
})();
