// The main navigation on a phone: a « Menu » button opens and closes it (issue 15: at 390 px the
// links took 300 px above every page). Without this script the links simply show, as before;
// from 701 px wide the button is hidden and the links always show (static/css/app.css).
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var nav = document.querySelector("nav.main-nav");
    var button = nav && nav.querySelector("button.menu-button");
    if (!button) return;
    nav.classList.add("menu-collapsible");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("menu-open", open);
    });
  });
})();
