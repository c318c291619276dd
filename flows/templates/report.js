(function () {
  var h = document.getElementById("f-horizon"), d = document.getElementById("f-direction"), q = document.getElementById("f-text");
  if (!h || !d || !q) { return; }
  function apply() {
    var rows = document.querySelectorAll("#watchlist tbody tr"), shown = 0, text = q.value.toLowerCase();
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!h.value || r.getAttribute("data-horizon") === h.value) &&
               (!d.value || r.getAttribute("data-direction") === d.value) &&
               (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.hidden = !ok;
      if (ok) { shown++; }
    }
    document.getElementById("f-count").textContent = String(shown);
  }
  h.addEventListener("change", apply); d.addEventListener("change", apply); q.addEventListener("input", apply);
  apply();
  document.documentElement.setAttribute("data-filters", "ready");
})();
