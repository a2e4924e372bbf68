/* Wizard step 2 (parties and roles), progressive enhancement: without this script the form
   works as is (one empty row per save, representatives listed by party).
   - "Ajouter une partie" adds a row in place (the formset's empty form, TOTAL_FORMS + 1);
   - the "Représentant" list keeps only the chosen party's representatives, the one in office
     preselected (options carry data-party and data-current);
   - the representative applies to a signatory only: hidden for the others. */
(function () {
  "use strict";
  var table = document.getElementById("party-rows");
  var template = document.getElementById("party-row-template");
  var add = document.getElementById("add-party-row");
  if (!table || !template || !add) return;
  var total = document.querySelector("input[name='parties-TOTAL_FORMS']");
  var master = template.content.querySelector("select[name$='-representative']");
  var all = master ? Array.prototype.slice.call(master.querySelectorAll("option[data-party]")) : [];

  function fillRepresentatives(row, keepCurrent) {
    var party = row.querySelector("select[name$='-party']");
    var select = row.querySelector("select[name$='-representative']");
    if (!party || !select) return;
    var chosen = keepCurrent ? select.value : "";
    select.innerHTML = "";
    var empty = document.createElement("option");
    empty.value = "";
    empty.textContent = "—";
    select.appendChild(empty);
    var current = "";
    all.forEach(function (option) {
      if (option.getAttribute("data-party") !== party.value) return;
      var copy = option.cloneNode(true);
      copy.selected = false;
      select.appendChild(copy);
      if (option.hasAttribute("data-current")) current = option.value;
    });
    select.value = chosen && select.querySelector("option[value='" + chosen + "']") ? chosen : current;
  }

  function showRepresentative(row) {
    var signatory = row.querySelector("input[name$='-is_signatory']");
    var cell = row.querySelector("td.representative");
    if (signatory && cell) cell.style.visibility = signatory.checked ? "visible" : "hidden";
  }

  function enhance(row, keepCurrent) {
    var party = row.querySelector("select[name$='-party']");
    if (party && party.value) fillRepresentatives(row, keepCurrent);
    showRepresentative(row);
    var remove = row.querySelector(".remove-row");
    if (remove) remove.hidden = false;
  }

  table.addEventListener("change", function (event) {
    var row = event.target.closest("tr.party-row");
    if (!row) return;
    if (event.target.matches("select[name$='-party']")) fillRepresentatives(row, false);
    if (event.target.matches("input[name$='-is_signatory']")) showRepresentative(row);
  });
  table.addEventListener("click", function (event) {
    if (!event.target.matches(".remove-row")) return;
    var row = event.target.closest("tr.party-row");
    var party = row.querySelector("select[name$='-party']");
    if (party) party.value = "";  // a row without a party is left out when saved
    row.hidden = true;
    row.style.display = "none";
  });
  add.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var body = table.querySelector("tbody");
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var row = body.lastElementChild;
    enhance(row, false);
    var party = row.querySelector("select[name$='-party']");
    if (party) party.focus();
  });
  Array.prototype.forEach.call(table.querySelectorAll("tr.party-row"), function (row) {
    enhance(row, true);
  });
  add.hidden = false;
  var note = document.getElementById("rows-without-script");
  if (note) note.style.display = "none";  // [hidden] alone loses to the stylesheet's display
})();
