// Small helpers of the lists and the deadlines page (no inline script: the CSP forbids it).
// - a "select all" checkbox: <input type="checkbox" data-select-all="NAME" hidden> ticks every
//   checkbox named NAME of its form (hidden until this script shows it);
// - a copy button: <button type="button" data-copy="ID"> copies the text of element ID.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var form = all.form;
      var name = all.getAttribute("data-select-all");
      all.hidden = false;
      all.addEventListener("change", function () {
        form.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy"));
      var status = document.getElementById(button.getAttribute("data-copy") + "-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = target.value !== undefined ? target.value : target.textContent;
        function done(message) { if (status) status.textContent = message; }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text.trim()).then(
            function () { done("Lien copié."); },
            function () { target.select && target.select(); done("Copiez le lien sélectionné (Ctrl+C)."); }
          );
        } else {
          if (target.select) target.select();
          try { document.execCommand("copy"); done("Lien copié."); }
          catch (e) { done("Copiez le lien sélectionné (Ctrl+C)."); }
        }
      });
    });
  });
})();
