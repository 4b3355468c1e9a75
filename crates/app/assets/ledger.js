// 公示 pages: check a ledger entry's inclusion proof in the browser (RFC 9162 §2.1.3.2,
// SHA-256 from WebCrypto), and publish a document through the JSON API.
(function () {
  "use strict";
  function b64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function unb64(s) {
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  async function sha256(prefix, parts) {
    var len = 1, off = 1;
    parts.forEach(function (p) { len += p.length; });
    var buf = new Uint8Array(len);
    buf[0] = prefix;
    parts.forEach(function (p) { buf.set(p, off); off += p.length; });
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  }
  // The root that `leaf` at `index` and its audit path give for a tree of `size` entries,
  // or null if the path has the wrong length for them.
  async function rootFrom(index, size, leaf, path) {
    if (index >= size) return null;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(1, [path[i], r]);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await sha256(1, [r, path[i]]);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }
  var check = document.getElementById("check");
  if (check) {
    check.addEventListener("click", async function () {
      var out = document.getElementById("check-result");
      if (!window.crypto || !crypto.subtle) { out.textContent = check.dataset.na; return; }
      var bytes = new TextEncoder().encode(document.getElementById("entry-bytes").textContent);
      var leaf = await sha256(0, [bytes]);
      var path = Array.prototype.map.call(document.querySelectorAll("#path code"), function (c) { return unb64(c.textContent.trim()); });
      var size = parseInt(document.getElementById("size").textContent, 10);
      var root = await rootFrom(parseInt(check.dataset.index, 10), size, leaf, path);
      var ok = b64(leaf) === document.getElementById("leaf").textContent.trim() &&
        root !== null && b64(root) === check.dataset.checkpointRoot;
      out.textContent = ok ? check.dataset.ok : check.dataset.bad;
      out.className = ok ? "flash" : "error";
    });
  }
  var form = document.getElementById("publish");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var err = form.querySelector(".error");
      var file = form.elements.file.files[0];
      if (!file) return;
      var reader = new FileReader();
      reader.onload = async function () {
        var r = await fetch("/api/v1/funds/communities/" + form.dataset.community + "/documents", {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": form.dataset.csrf },
          body: JSON.stringify({ kind: form.elements.kind.value, title: form.elements.title.value, data: reader.result })
        });
        if (r.ok) { location.href = location.pathname + "?recorded=1#documents"; return; }
        var body = await r.json().catch(function () { return {}; });
        err.textContent = (body.errors && body.errors[0] && body.errors[0].detail) || r.statusText;
        err.hidden = false;
      };
      reader.readAsDataURL(file);
    });
  }
})();
