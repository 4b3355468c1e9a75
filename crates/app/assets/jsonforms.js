// Forms that post JSON to the API (微更新, 时间银行) (amounts typed in yuan go as fen,
// photos and receipts as data URLs, a pabulib file as text), then shows the page again or
// the refusal, in the user's language, where it was typed. `data-method` sends PUT;
// `data-geo` adds the device's position (lng, lat) — a volunteer's check-in at the elder's
// home; its `data-geo-error` is said when the position cannot be had. The proposal form's
// map pin.
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  function read(file, asText) {
    return new Promise(function (ok, fail) {
      var r = new FileReader();
      r.onload = function () { ok(r.result); };
      r.onerror = fail;
      if (asText) { r.readAsText(file); } else { r.readAsDataURL(file); }
    });
  }
  function body(form) {
    var out = {}, waits = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      var name = el.name;
      if (!name || el.disabled || name === "_csrf") { return; }
      if (el.type === "file") {
        if (!el.files.length) { return; }
        var asText = el.dataset.as === "text";
        if (el.multiple) {
          waits.push(Promise.all(Array.prototype.map.call(el.files, function (f) { return read(f, false); }))
            .then(function (list) { out[name] = list; }));
        } else {
          waits.push(read(el.files[0], asText).then(function (v) { out[name] = v; }));
        }
        return;
      }
      if (el.type === "checkbox") {
        if (name.slice(-2) === "[]") {
          var key = name.slice(0, -2);
          out[key] = out[key] || [];
          if (el.checked) { out[key].push(/^-?\d+$/.test(el.value) ? Number(el.value) : el.value); }
        } else if (el.checked) { out[name] = el.dataset.kind === "bool" ? true : el.value; }
        return;
      }
      var v = el.value.trim();
      if (v === "") { return; }
      if (/_yuan$/.test(name)) {
        out[name.replace(/_yuan$/, "_fen")] = Math.round(parseFloat(v) * 100);
      } else if (el.dataset.kind === "int") {
        out[name] = parseInt(v, 10);
      } else if (el.dataset.kind === "float") {
        out[name] = parseFloat(v);
      } else {
        out[name] = v;
      }
    });
    return Promise.all(waits).then(function () { return out; });
  }
  function submit(form, e) {
    e.preventDefault();
    var err = form.querySelector(".form-error");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    body(form).then(function (data) {
      if (form.dataset.geo === undefined) { return data; }
      return new Promise(function (ok, fail) {
        if (!navigator.geolocation) { fail(new Error(form.dataset.geoError || "geolocation")); return; }
        navigator.geolocation.getCurrentPosition(function (p) {
          data.lng = p.coords.longitude; data.lat = p.coords.latitude; ok(data);
        }, function () { fail(new Error(form.dataset.geoError || "geolocation")); },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }).then(function (data) {
      return fetch(form.dataset.api, {
        method: form.dataset.method || "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify(data)
      });
    }).then(function (r) {
      return r.text().then(function (t) {
        var j = t ? JSON.parse(t) : {};
        if (!r.ok) { throw new Error(j.errors && j.errors[0] ? j.errors[0].detail : String(r.status)); }
        return j;
      });
    }).then(function (j) {
      var next = form.dataset.next;
      if (next && j.id !== undefined) {
        location.href = next.replace("{id}", j.id);
      } else {
        location.href = location.pathname + "?done=1";
      }
    }).catch(function (x) {
      if (button) { button.disabled = false; }
      if (err) { err.hidden = false; err.textContent = x.message; }
    });
  }
  function pinMap(el) {
    if (typeof L === "undefined") { return; }
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
    var marker = null, lng = document.getElementById("lng"), lat = document.getElementById("lat");
    function place(ll) {
      lng.value = ll.lng.toFixed(6); lat.value = ll.lat.toFixed(6);
      if (!marker) { marker = L.marker(ll).addTo(map); } else { marker.setLatLng(ll); }
      el.dataset.pinned = "1";
    }
    // A resident's pin starts at their own building; a tap moves it.
    var home = (el.dataset.home || "").split(",").map(Number);
    if (home.length === 2 && home.every(isFinite)) {
      place(L.latLng(home[1], home[0]));
      map.setView([home[1], home[0]], 17);
    }
    map.on("click", function (e) { place(e.latlng); });
    el.dataset.ready = "1";
  }
  // After every deferred script (the base map's app.js among them) has run.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-api]").forEach(function (form) {
      form.addEventListener("submit", function (e) { submit(form, e); });
    });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    var pin = document.getElementById("pin-map");
    if (pin) { pinMap(pin); }
  });
})();
