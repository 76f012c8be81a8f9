// Progressive enhancement of the upload form: drop a file on it, see its name, be told at once when it is
// too large. Without this file the form works the same, by choosing the file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.disabled = true;
        button.textContent += " " + (button.dataset.busy || "");
      }
    });
  }
  const drop = document.querySelector(".drop");
  if (!drop) return;
  const input = drop.querySelector("input[type=file]");
  const chosen = drop.querySelector(".chosen");
  const limit = Number(drop.dataset.limit);
  const show = () => {
    const file = input.files[0];
    chosen.classList.remove("bad");
    chosen.textContent = file ? file.name : "";
    if (file && limit && file.size > limit) {
      chosen.textContent = file.name + ": " + drop.dataset.tooLarge;
      chosen.classList.add("bad");
      input.value = "";
    }
  };
  input.addEventListener("change", show);
  // a file dropped anywhere on the page goes to the form, never opened by the browser instead of the page
  for (const name of ["dragenter", "dragover"]) {
    document.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const name of ["dragleave", "dragend"]) {
    document.addEventListener(name, (e) => { if (!e.relatedTarget) drop.classList.remove("over"); });
  }
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      show();
    }
  });
});
