// Suggestions as one types in a search box: fills the box's <datalist> from
// /api/v1/suggest. The form works the same without this file.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("input[list=suggestions]");
  Array.prototype.forEach.call(boxes, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !window.fetch) return;
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2 || q === asked) return;
      timer = setTimeout(function () {
        asked = q;
        fetch("/api/v1/suggest?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (body) {
            if (q !== input.value.trim()) return;
            while (list.firstChild) list.removeChild(list.firstChild);
            (body.suggestions || body || []).forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.text || s.name || s.value || "";
              if (option.value) list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  });
})();
