// Search page: small conveniences only; everything works without this file.
(function () {
  "use strict";
  var box = document.getElementById("q");
  if (!box) return;

  // "/" jumps to the search box, as on many search sites (not while typing elsewhere).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
