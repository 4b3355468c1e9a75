// The vote page's staff form: a paper ballot, a proxy's or a door-to-door one, entered
// through the JSON API with its scan read here (as the ledger page publishes a document).
(function () {
  "use strict";
  var form = document.getElementById("enter-ballot");
  if (!form) return;
  var err = form.querySelector(".form-error");
  function send(attachment) {
    var body = {
      choice: form.elements.choice.value,
      channel: form.elements.channel.value,
      owner: form.elements.owner.value
    };
    if (attachment) body.attachment = attachment;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch("/api/v1/votes/" + form.dataset.vote + "/ballots", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": form.dataset.csrf },
      body: JSON.stringify(body)
    }).then(async function (r) {
      if (r.ok) { location.href = location.pathname + "?entered=1"; return; }
      var b = await r.json().catch(function () { return {}; });
      var e = b.errors && b.errors[0];
      err.textContent = (e && e.detail) || r.statusText;
      if (e && e.code) err.dataset.code = e.code;
      err.hidden = false;
      button.disabled = false;
    });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    err.hidden = true;
    var input = form.elements.attachment;
    var file = input && input.files[0];
    if (!input) { send(null); return; }
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () { send(reader.result); };
    reader.readAsDataURL(file);
  });
})();
// The register page: a CSV or XLSX register sent as it is; the rows it refuses listed.
(function () {
  "use strict";
  var form = document.getElementById("register-import");
  if (!form) return;
  var err = form.querySelector(".form-error");
  var out = form.querySelector(".import-result");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    err.hidden = true;
    var f = form.elements.file.files[0];
    if (!f) return;
    var type = /\.xlsx$/i.test(f.name) ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv";
    fetch("/api/v1/votes/register/" + form.dataset.building + "/import", {
      method: "POST",
      headers: { "content-type": type, "x-csrf-token": form.dataset.csrf },
      body: f
    }).then(async function (r) {
      var j = await r.json().catch(function () { return {}; });
      if (!r.ok) {
        err.textContent = (j.errors && j.errors[0] && j.errors[0].detail) || r.statusText;
        err.hidden = false;
        return;
      }
      if (j.written > 0) { location.href = location.pathname + "?building=" + form.dataset.building + "&saved=1"; return; }
      var d = form.dataset;
      out.textContent = d.lRows + " " + j.rows + " · " + d.lWritten + " " + j.written;
      var ul = document.createElement("ul");
      j.errors.forEach(function (x) {
        var li = document.createElement("li");
        li.textContent = d.lRow + " " + x.row + ": " + x.detail;
        ul.appendChild(li);
      });
      out.appendChild(ul);
    });
  });
})();
