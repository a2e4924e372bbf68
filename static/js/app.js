/* ISCG conventions — the application's own small script (no framework, no CDN).
 * 1. The navigation menu button on phones: the menu folds behind a « Menu » button.
 * 2. Wide tables scroll inside their own box, which can be reached and scrolled by keyboard
 *    (a named region, focusable while it scrolls): the page itself never pans sideways.
 * Without this script the menu stays unfolded and the tables scroll by themselves (app.css). */
(function () {
  "use strict";

  function setupMenu() {
    var nav = document.querySelector(".main-nav");
    var button = nav && nav.querySelector(".menu-button");
    var list = nav && nav.querySelector("ul");
    if (!button || !list) {
      return;
    }
    document.documentElement.classList.add("js-menu");
    button.hidden = false;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        nav.classList.remove("is-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  /* The name read out for a table's box: its caption, its own label, else the heading
   * before it. */
  function tableName(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.trim();
    }
    if (table.getAttribute("aria-label")) {
      return table.getAttribute("aria-label");
    }
    var node = table;
    while (node && node !== document.body) {
      var previous = node.previousElementSibling;
      while (previous) {
        if (/^H[1-6]$/.test(previous.tagName)) {
          return previous.textContent.trim();
        }
        previous = previous.previousElementSibling;
      }
      node = node.parentElement;
    }
    return "Tableau";
  }

  var boxes = [];

  /* Focusable only while it scrolls (a box that fits adds no stop to the keyboard's path). */
  function updateBox(box) {
    if (box.scrollWidth > box.clientWidth + 1) {
      box.setAttribute("tabindex", "0");
    } else {
      box.removeAttribute("tabindex");
    }
  }

  function wrapTables(root) {
    var tables = (root || document).querySelectorAll("table");
    for (var i = 0; i < tables.length; i++) {
      var table = tables[i];
      var box = table.parentElement;
      if (box && box.classList.contains("table-scroll")) {
        // A box written in the page: named if it is not, and its own tabindex left alone.
        if (box.dataset.scrollBox || box.hasAttribute("tabindex")) {
          continue;
        }
      } else {
        box = document.createElement("div");
        box.className = "table-scroll";
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      box.dataset.scrollBox = "1";
      if (!box.getAttribute("role")) {
        box.setAttribute("role", "region");
      }
      if (!box.getAttribute("aria-label") && !box.getAttribute("aria-labelledby")) {
        box.setAttribute("aria-label", tableName(table));
      }
      boxes.push(box);
      updateBox(box);
    }
  }

  function updateAll() {
    boxes = boxes.filter(function (box) {
      return document.body.contains(box);
    });
    boxes.forEach(updateBox);
  }

  function start() {
    setupMenu();
    wrapTables(document);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(updateAll, 100);
    });
    // Content swapped in by htmx (previews, progress): its tables get their box too.
    document.body.addEventListener("htmx:load", function (event) {
      wrapTables(event.detail && event.detail.elt ? event.detail.elt : document);
      updateAll();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// A page waiting for a file the worker prepares (data-refresh-url): asks again after a few
// seconds. A script rather than <meta http-equiv="refresh">, which screen readers announce
// badly (axe: meta-refresh); without script, the page's <noscript> refresh does it.
(function () {
  function wait() {
    var waiting = document.querySelector("[data-refresh-url]");
    if (!waiting) return;
    var seconds = parseFloat(waiting.getAttribute("data-refresh-seconds")) || 2;
    window.setTimeout(function () {
      window.location.replace(waiting.getAttribute("data-refresh-url"));
    }, seconds * 1000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wait);
  } else {
    wait();
  }
})();
