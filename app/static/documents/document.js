/* policykg document page (/documents/{key}): the document, the documents that carry it out by
 * province, its objectives and targets, task groups, tasks by agency and role, and its sources with
 * where to check them. Data: GET /api/documents/{key}?lang= (this server only).
 */
(function () {
  "use strict";

  const { el, showStatus, detailText, initialLang, showLanguage } = window.policykgPage;
  const TEXT = {
    vi: {
      browser: "Văn bản", explorer: "Tra cứu", api: "API", langToggle: "English",
      cascade: "Văn bản triển khai, theo địa bàn", objectives: "Mục tiêu và chỉ tiêu", groups: "Nhóm nhiệm vụ",
      agencies: "Nhiệm vụ theo cơ quan và vai trò", sources: "Nguồn", loading: "Đang tải…", failed: "Không tải được",
      none: "Không có.", national: "Toàn quốc", noProvince: "Không rõ địa bàn", loose: "Nhiệm vụ ngoài nhóm",
      group: "Nhóm", horizon: "Đến năm", unknown: "không rõ", depth: "cấp",
      facts: { notation: "Số hiệu", type: "Loại văn bản", issuer: "Cơ quan ban hành", date: "Ngày ban hành",
               jurisdiction: "Địa bàn", level: "Cấp", status: "Tình trạng", implements: "Thực hiện văn bản", iri: "IRI" },
      sourceFields: { url: "Trang gốc", publisher: "Nơi đăng", published: "Ngày đăng", retrieved: "Ngày truy cập", reference: "Trích từ" },
      roles: { lead: "Chủ trì", coordinate: "Phối hợp", advise: "Tham mưu", assigned: "Được giao", draft: "Soạn thảo" },
      relations: { implements: "thực hiện", basedOn: "căn cứ" },
      comparators: { about: "khoảng", "at-least": "tối thiểu", over: "trên", "at-most": "tối đa", range: "trong khoảng", exactly: "đúng bằng" },
    },
    en: {
      browser: "Documents", explorer: "Explore", api: "API", langToggle: "Tiếng Việt",
      cascade: "Documents carrying it out, by province", objectives: "Objectives and targets", groups: "Task groups",
      agencies: "Tasks by agency and role", sources: "Sources", loading: "Loading…", failed: "Could not load",
      none: "None.", national: "National", noProvince: "Province not stated", loose: "Tasks outside any group",
      group: "Group", horizon: "By", unknown: "unknown", depth: "level",
      facts: { notation: "Number", type: "Document type", issuer: "Issued by", date: "Issue date",
               jurisdiction: "Jurisdiction", level: "Level", status: "Status", implements: "Implements", iri: "IRI" },
      sourceFields: { url: "Original page", publisher: "Publisher", published: "Published", retrieved: "Retrieved", reference: "Taken from" },
      roles: { lead: "Lead", coordinate: "Coordinate", advise: "Advise", assigned: "Assigned", draft: "Drafts" },
      relations: { implements: "implements", basedOn: "based on" },
      comparators: { about: "about", "at-least": "at least", over: "over", "at-most": "at most", range: "range", exactly: "exactly" },
    },
  };
  const $ = (id) => document.getElementById(id);
  const state = { lang: initialLang() };
  const t = (key) => TEXT[state.lang][key];
  const key = decodeURIComponent(window.location.pathname.replace(/^\/documents\//, ""));
  const docLink = (row) => el("a", { href: row.page + (state.lang === "en" ? "?lang=en" : "") }, row.notation || row.title || row.key);
  const orNone = (items) => (items.length ? items : [el("p", { class: "unknown" }, t("none"))]);
  const unknown = () => el("span", { class: "unknown" }, t("unknown"));

  function renderFacts(d) {
    const f = t("facts");
    const place = d.jurisdiction ? (d.jurisdiction.key === "vn" ? t("national") : d.jurisdiction.label) : null;
    const rows = [
      ["notation", d.notation], ["type", d.type && d.type.label], ["issuer", d.issuer && d.issuer.label],
      ["date", d.date], ["jurisdiction", place], ["level", d.level && d.level.label], ["status", d.status && d.status.label],
      ["implements", d.implements.length ? d.implements.map((l, i) => [i ? ", " : "", el("a", { href: l.page }, l.notation || l.key)]) : null],
      ["iri", el("a", { href: d.iri.replace("https://w3id.org/policykg/id/", "/id/") }, d.iri)],
    ];
    $("facts").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, f[k]), el("dd", {}, v === null || v === undefined ? unknown() : v)]));
  }

  function renderCascade(groups) {
    $("cascade").replaceChildren(...orNone(groups.map((g) => el("div", {},
      el("h4", {}, g.province ? (g.province.key === "vn" ? t("national") : g.province.label) : t("noProvince")),
      el("ul", {}, g.documents.map((d) => el("li", {}, docLink(d), " ", d.title || "",
        el("span", { class: "role" }, `${t("relations")[d.relation] || d.relation || ""} · ${t("depth")} ${d.depth}`))))))));
  }

  function target(tg) {
    const cmp = tg.comparator ? (t("comparators")[tg.comparator] || tg.comparator) + " " : "";
    const value = tg.value === null ? "" : `${cmp}${tg.value}${tg.unit ? " " + tg.unit : ""}`;
    return el("li", {}, tg.indicator ? tg.indicator.label : tg.iri, value ? `: ${value}` : "",
      tg.year ? ` (${tg.year})` : "", tg.jurisdiction ? ` — ${tg.jurisdiction.label}` : "");
  }

  function renderObjectives(objectives) {
    $("objectives").replaceChildren(...orNone(objectives.map((o) => el("div", {},
      el("h4", {}, o.horizon ? `${t("horizon")} ${o.horizon}` : "", o.label ? ` — ${o.label}` : ""),
      el("ul", {}, o.targets.map(target))))));
  }

  function agencies(list) {
    return list.map((a) => el("span", { class: "role" }, `${t("roles")[a.role] || a.role}: ${a.agency.label}`));
  }

  function renderGroups(groups) {
    $("groups").replaceChildren(...orNone(groups.map((g) => el("div", {},
      el("h4", {}, g.ordinal === null ? t("loose") : `${t("group")} ${g.ordinal}${g.label ? ": " + g.label : ""}`),
      el("ul", {}, g.tasks.map((task) => el("li", {}, task.label || task.iri, " ", agencies(task.agencies))))))));
  }

  function renderAgencies(list, labels) {
    $("agencies").replaceChildren(...orNone(list.map((a) => el("div", {},
      el("h4", {}, a.agency.label, " ", el("span", { class: "role" }, t("roles")[a.role] || a.role)),
      el("ul", {}, a.tasks.map((iri) => el("li", {}, labels.get(iri) || iri)))))));
  }

  function renderSources(sources) {
    const f = t("sourceFields");
    $("sources").replaceChildren(...orNone(sources.map((s) => {
      const fields = [
        ["url", s.url ? el("a", { href: s.url, rel: "noopener" }, s.url) : null],
        ["publisher", s.publisher], ["published", s.published], ["retrieved", s.retrieved], ["reference", s.reference],
      ].filter(([k, v]) => k !== "reference" || v);
      return el("div", { class: "source" }, el("h4", {}, s.title || s.name),
        el("dl", {}, fields.flatMap(([k, v]) => [el("dt", {}, f[k]), el("dd", {}, v === null || v === undefined ? unknown() : v)])));
    })));
  }

  async function load() {
    showLanguage(state.lang, t);
    showStatus($("status"), t("loading"));
    try {
      const response = await fetch(`/api/documents/${key.split("/").map(encodeURIComponent).join("/")}?lang=${state.lang}`);
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Error(detailText(body, response));
      const d = body.document;
      $("doc-title").textContent = [d.notation, d.title].filter(Boolean).join(" — ");
      document.title = `policykg — ${d.notation || d.title || d.key}`;
      renderFacts(d);
      renderCascade(body.cascade);
      renderObjectives(body.objectives);
      renderGroups(body.task_groups);
      const labels = new Map(body.task_groups.flatMap((g) => g.tasks.map((task) => [task.iri, task.label])));
      renderAgencies(body.by_agency, labels);
      renderSources(body.sources);
      showStatus($("status"), "");
    } catch (error) {
      showStatus($("status"), `${t("failed")}: ${error.message}`, true);
    }
  }

  $("lang-toggle").addEventListener("click", () => {
    state.lang = state.lang === "vi" ? "en" : "vi";
    localStorage.setItem("policykg-lang", state.lang);
    const q = new URLSearchParams(window.location.search);
    if (state.lang === "en") q.set("lang", "en"); else q.delete("lang");
    window.history.replaceState(null, "", `${window.location.pathname}${q.toString() ? `?${q}` : ""}`);
    load();
  });
  load();
})();
