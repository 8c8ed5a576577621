/* policykg document browser (/documents): facets with counts, a sortable table, paging, CSV and JSON
 * of the current view. Plain script, no build step; data comes from this server only:
 *   GET /api/documents?province=&issuer=&type=&year=&level=&q=&sort=&order=&page=&limit=&lang=
 * The view lives in the page's own query string (the same parameters), so a URL is a shareable view.
 */
(function () {
  "use strict";

  const { el, showStatus, detailText, initialLang, showLanguage } = window.policykgPage;
  const FACETS = ["province", "issuer", "type", "year", "level"];
  const COLUMNS = ["notation", "title", "type", "issuer", "date", "province", "level", "status", "implements", "implemented_by"];
  const VIEW_KEYS = [...FACETS, "q", "sort", "order", "page", "limit"];

  const TEXT = {
    vi: {
      title: "Văn bản", explorer: "Tra cứu", curate: "Duyệt trích xuất", api: "API", langToggle: "English",
      facetsTitle: "Lọc theo", tableTitle: "Danh sách văn bản", pager: "Phân trang",
      searchLabel: "Tìm theo số hiệu hoặc trích yếu", searchPlaceholder: "vd. 190-KH/TU hoặc chuyen doi so",
      searchButton: "Tìm", csvLink: "Tải CSV (toàn bộ kết quả)", jsonLink: "JSON của trang này", clear: "Bỏ mọi bộ lọc",
      facets: { province: "Tỉnh, thành phố", issuer: "Cơ quan ban hành", type: "Loại văn bản", year: "Năm ban hành", level: "Cấp" },
      columns: { notation: "Số hiệu", title: "Trích yếu", type: "Loại", issuer: "Cơ quan ban hành", date: "Ngày ban hành",
                 province: "Địa bàn", level: "Cấp", status: "Tình trạng", implements: "Thực hiện văn bản", implemented_by: "Số văn bản triển khai" },
      national: "Toàn quốc", loading: "Đang tải…", failed: "Không tải được",
      summary: (total, from, to) => total ? `${total} văn bản; đang xem ${from}–${to}.` : "Không có văn bản nào khớp.",
      prev: "← Trang trước", next: "Trang sau →", pageOf: (p, n) => `Trang ${p}/${n}`,
      sortAsc: "sắp xếp tăng dần", sortDesc: "sắp xếp giảm dần", noNumber: "(chưa có số)",
    },
    en: {
      title: "Documents", explorer: "Explore", curate: "Review extraction", api: "API", langToggle: "Tiếng Việt",
      facetsTitle: "Filter by", tableTitle: "Documents", pager: "Pages",
      searchLabel: "Search by number or title", searchPlaceholder: "e.g. 190-KH/TU or digital transformation",
      searchButton: "Search", csvLink: "Download CSV (the whole view)", jsonLink: "JSON of this page", clear: "Clear all filters",
      facets: { province: "Province", issuer: "Issued by", type: "Document type", year: "Year issued", level: "Level" },
      columns: { notation: "Number", title: "Title", type: "Type", issuer: "Issued by", date: "Issue date",
                 province: "Jurisdiction", level: "Level", status: "Status", implements: "Implements", implemented_by: "Carried out by" },
      national: "National", loading: "Loading…", failed: "Could not load",
      summary: (total, from, to) => total ? `${total} documents; showing ${from}–${to}.` : "No document matches.",
      prev: "← Previous", next: "Next →", pageOf: (p, n) => `Page ${p} of ${n}`,
      sortAsc: "sorted ascending", sortDesc: "sorted descending", noNumber: "(no number)",
    },
  };

  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(window.location.search);
  const state = {
    lang: initialLang(),
    view: new URLSearchParams(),
  };
  for (const [key, value] of params) if (VIEW_KEYS.includes(key)) state.view.append(key, value);
  const t = (key) => TEXT[state.lang][key];

  function query(extra) {
    const q = new URLSearchParams(state.view);
    q.set("lang", state.lang);
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q;
  }

  function syncUrl() {
    const q = new URLSearchParams(state.view);
    if (state.lang === "en") q.set("lang", "en");
    const text = q.toString();
    window.history.replaceState(null, "", `/documents${text ? `?${text}` : ""}`);
  }

  function provinceLabel(named) {
    if (!named) return "";
    return named.key === "vn" ? t("national") : named.label;
  }

  function renderFacets(facets) {
    const list = $("facet-list");
    list.replaceChildren();
    for (const facet of facets) {
      if (!facet.values.length) continue;
      const boxes = facet.values.map((value) => {
        const id = `f-${facet.name}-${value.key.replace(/[^a-z0-9]+/gi, "-")}`;
        const label = facet.name === "province" && value.key === "vn" ? t("national") : value.label;
        return el("label", { for: id },
          el("input", { type: "checkbox", id, name: facet.name, value: value.key, checked: value.selected,
                        "data-facet": facet.name, onchange: onFacet }),
          el("span", {}, label), el("span", { class: "count" }, String(value.count)));
      });
      list.append(el("fieldset", {}, el("legend", {}, t("facets")[facet.name]), boxes));
    }
  }

  function onFacet(event) {
    const box = event.target;
    const chosen = state.view.getAll(box.name).filter((v) => v !== box.value);
    if (box.checked) chosen.push(box.value);
    state.view.delete(box.name);
    chosen.forEach((v) => state.view.append(box.name, v));
    state.view.delete("page");
    load();
  }

  function renderHead(sort, order) {
    const head = $("head");
    head.replaceChildren();
    for (const column of COLUMNS) {
      const sortable = column !== "implements";
      const active = sort === column;
      const th = el("th", { scope: "col", "aria-sort": active ? (order === "asc" ? "ascending" : "descending") : (sortable ? "none" : null) });
      if (sortable) {
        const arrow = active ? (order === "asc" ? " ▲" : " ▼") : "";
        th.append(el("button", { type: "button", "data-sort": column, onclick: () => onSort(column, active ? (order === "asc" ? "desc" : "asc") : "asc") },
          t("columns")[column] + arrow,
          active ? el("span", { class: "visually-hidden" }, `, ${order === "asc" ? t("sortAsc") : t("sortDesc")}`) : null));
      } else {
        th.textContent = t("columns")[column];
      }
      head.append(th);
    }
  }

  function onSort(column, order) {
    state.view.set("sort", column);
    state.view.set("order", order);
    state.view.delete("page");
    load();
  }

  function cell(row, column) {
    switch (column) {
      case "notation":
        return el("td", {}, el("a", { href: row.page + (state.lang === "en" ? "?lang=en" : "") }, row.notation || t("noNumber")));
      case "title": return el("td", {}, row.title || "");
      case "date": return el("td", {}, row.date || "");
      case "province": return el("td", {}, row.jurisdiction ? (row.jurisdiction.key === "vn" ? t("national") : row.jurisdiction.label) : provinceLabel(row.province));
      case "implements":
        return el("td", {}, row.implements.map((link, i) => [i ? ", " : "", el("a", { href: link.page }, link.notation || link.key)]));
      case "implemented_by": return el("td", { class: "num" }, String(row.implemented_by));
      default: return el("td", {}, row[column] ? row[column].label : "");
    }
  }

  function renderRows(rows) {
    $("rows").replaceChildren(...rows.map((row) => el("tr", {}, COLUMNS.map((c) => cell(row, c)))));
  }

  function renderPager(body) {
    const pager = $("pager");
    pager.replaceChildren();
    const go = (page) => () => { state.view.set("page", String(page)); state.view.delete("offset"); load(); };
    if (body.page > 1) pager.append(el("button", { type: "button", id: "prev", onclick: go(body.page - 1) }, t("prev")));
    pager.append(el("span", {}, t("pageOf")(body.page, body.pages)));
    if (body.page < body.pages) pager.append(el("button", { type: "button", id: "next", onclick: go(body.page + 1) }, t("next")));
  }

  async function load() {
    syncUrl();
    $("q").value = state.view.get("q") || "";
    $("csv-link").href = `/api/documents?${query({ format: "csv" })}`;
    $("json-link").href = `/api/documents?${query({ format: "json" })}`;
    showStatus($("summary"), t("loading"));
    try {
      const response = await fetch(`/api/documents?${query()}`, { headers: { Accept: "application/json" } });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(detailText(body, response));
      renderFacets(body.facets);
      renderHead(body.sort, body.order);
      renderRows(body.rows);
      renderPager(body);
      const from = body.total ? body.offset + 1 : 0;
      showStatus($("summary"), t("summary")(body.total, from, body.offset + body.rows.length));
    } catch (error) {
      showStatus($("summary"), `${t("failed")}: ${error.message}`, true);
    }
  }

  function applyLanguage() {
    showLanguage(state.lang, t);
    document.title = `policykg — ${t("title")}`;
  }

  $("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "vi" ? "en" : "vi";
    localStorage.setItem("policykg-lang", state.lang);
    applyLanguage();
    load();
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("q").value.trim();
    if (text) state.view.set("q", text); else state.view.delete("q");
    state.view.delete("page");
    load();
  });
  $("clear").addEventListener("click", () => { state.view = new URLSearchParams(); load(); });
  applyLanguage();
  load();
})();
