/* What the pages of policykg share (the explorer at /, the review page at /curate): building
 * elements, status lines, the detail of an error answer, and the language of the static text
 * (elements marked data-i18n, data-i18n-placeholder, data-i18n-aria). Plain script, no build step.
 */
(function () {
  "use strict";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child !== undefined && child !== null && child !== false) node.append(child);
    }
    return node;
  }

  function showStatus(target, text, isError) {
    target.textContent = text;
    target.classList.toggle("error", Boolean(isError));
  }

  function detailText(body, response) {
    if (body && typeof body.detail === "string") return body.detail;
    if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join("; ");
    return `HTTP ${response.status}`;
  }

  // The static text in the language of `t` (a key → text function).
  function translate(lang, t) {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((node) => {
      const value = t(node.dataset.i18n);
      if (typeof value === "string") node.textContent = value;
    });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((node) => {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    });
    document.querySelectorAll("[data-i18n-aria]").forEach((node) => {
      node.setAttribute("aria-label", t(node.dataset.i18nAria));
    });
  }

  // The language a page opens in: ?lang=en, else the last choice kept in localStorage, else Vietnamese.
  function initialLang() {
    const asked = new URLSearchParams(window.location.search).get("lang");
    return asked === "en" || (!asked && localStorage.getItem("policykg-lang") === "en") ? "en" : "vi";
  }

  // The static text in `lang`, and the toggle (#lang-toggle) offering the other language.
  function showLanguage(lang, t) {
    translate(lang, t);
    const toggle = document.getElementById("lang-toggle");
    if (toggle) {
      toggle.textContent = t("langToggle");
      toggle.setAttribute("aria-pressed", String(lang === "en"));
    }
  }

  window.policykgPage = { el, showStatus, detailText, translate, initialLang, showLanguage };
})();
