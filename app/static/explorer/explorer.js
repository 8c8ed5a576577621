/* policykg explorer: "who is responsible for X" cards and a layered lineage graph.
 *
 * Plain script, no build step. Data comes from this server only:
 *   GET /api/responsible?q=&limit=   search results (cards)
 *   GET /api/export?format=cytoscape&root=&direction=&depth=&max_elements=   the graph
 * The graph is laid out here in layers (national documents at the top, the documents carrying
 * them out below, their task groups and tasks, and the responsible agencies at the bottom) and
 * drawn with the vendored cytoscape.js; window.cy exposes it (tests read its model).
 */
(function () {
  "use strict";

  const POLID = "https://w3id.org/policykg/id/";
  // What the browser is asked to draw at most; a larger selection is refused by the server (413)
  // with a message, rather than freezing the page. ?max= overrides it (for slower machines).
  const DEFAULT_MAX_ELEMENTS = 1500;
  const MAX_DEPTH = 10;
  const EXPORT_FORMATS = ["graphml", "gexf", "cytoscape", "nodelink", "dot", "mermaid", "jsonld", "turtle", "trig", "csv"];

  const TEXT = {
    vi: {
      tagline: "Ai chịu trách nhiệm thực hiện chính sách?",
      api: "API",
      langToggle: "English",
      searchLabel: "Ai chịu trách nhiệm về…",
      searchPlaceholder: "Ai chịu trách nhiệm về… (vd. trung tâm đổi mới sáng tạo)",
      searchButton: "Tìm",
      resultsTitle: "Kết quả",
      resultsHint: "Nhập một việc cần làm để xem cơ quan chủ trì, phối hợp, tham mưu và chuỗi văn bản giao việc.",
      searching: "Đang tìm…",
      found: (n, q) => `${n} kết quả cho “${q}”.`,
      none: (q) => `Không tìm thấy ai được giao việc “${q}”.`,
      searchMissing: "Chức năng tìm kiếm (/api/responsible) chưa có trên máy chủ này.",
      searchFailed: "Tìm kiếm thất bại",
      graphTitle: "Sơ đồ dòng văn bản",
      direction: "Chiều",
      both: "Cả hai chiều",
      up: "Lên (văn bản được thực hiện)",
      down: "Xuống (văn bản thực hiện)",
      depth: "Số cấp",
      fit: "Vừa khung",
      png: "Tải PNG",
      svg: "Tải SVG",
      exportAs: "Xuất dữ liệu",
      download: "Tải xuống",
      loading: "Đang tải sơ đồ…",
      drawn: (n, e, title) => `${title}: ${n} nút, ${e} cạnh. Kéo để di chuyển, cuộn để phóng to.`,
      lineageOf: (d) => `Dòng văn bản của ${d}`,
      tooLarge: "Phần được chọn quá lớn để vẽ trong trình duyệt",
      narrowUp: "Chỉ xem chiều lên",
      narrowDepth: "Chỉ xem 1 cấp",
      notFound: "Không tìm thấy văn bản",
      ambiguous: "Số hiệu này trùng ở nhiều văn bản, hãy chọn một",
      didYouMean: "Có phải:",
      graphFailed: "Không tải được sơ đồ",
      noGraph: "Chọn một kết quả hoặc một văn bản để xem sơ đồ.",
      task: "Nhiệm vụ",
      chain: "Chuỗi văn bản",
      document: "Văn bản",
      source: "Nguồn",
      openGraph: "Xem sơ đồ",
      close: "Đóng",
      openLineage: "Xem dòng văn bản này",
      resourcePage: "Trang dữ liệu",
      fields: { kind: "Loại", notation: "Số hiệu", date: "Ngày", issuer: "Cơ quan ban hành", jurisdiction: "Địa bàn", status: "Tình trạng", label_en: "Tiếng Anh" },
      kinds: { document: "Văn bản", objective: "Mục tiêu", "task-group": "Nhóm nhiệm vụ", task: "Nhiệm vụ", target: "Chỉ tiêu", agency: "Cơ quan", indicator: "Chỉ số", meeting: "Hội nghị", person: "Người" },
      types: { Resolution: "Nghị quyết", Plan: "Kế hoạch", ActionProgramme: "Chương trình hành động", Scheme: "Đề án", OfficialLetter: "Công văn" },
      draft: "dự thảo",
    },
    en: {
      tagline: "Who is responsible for carrying out policy?",
      api: "API",
      langToggle: "Tiếng Việt",
      searchLabel: "Who is responsible for…",
      searchPlaceholder: "Who is responsible for… (e.g. trung tâm đổi mới sáng tạo)",
      searchButton: "Search",
      resultsTitle: "Results",
      resultsHint: "Type a piece of work to see who leads, coordinates and advises, and the chain of documents that assigns it.",
      searching: "Searching…",
      found: (n, q) => `${n} result${n === 1 ? "" : "s"} for “${q}”.`,
      none: (q) => `Nobody is assigned “${q}”.`,
      searchMissing: "Search (/api/responsible) is not available on this server yet.",
      searchFailed: "Search failed",
      graphTitle: "Document lineage",
      direction: "Direction",
      both: "Both ways",
      up: "Up (what it carries out)",
      down: "Down (what carries it out)",
      depth: "Levels",
      fit: "Fit",
      png: "PNG",
      svg: "SVG",
      exportAs: "Export",
      download: "Download",
      loading: "Loading the graph…",
      drawn: (n, e, title) => `${title}: ${n} nodes, ${e} edges. Drag to pan, scroll to zoom.`,
      lineageOf: (d) => `Lineage of ${d}`,
      tooLarge: "The selection is too large to draw in the browser",
      narrowUp: "Only upwards",
      narrowDepth: "Only 1 level",
      notFound: "No such document",
      ambiguous: "Several documents share this number; pick one",
      didYouMean: "Did you mean:",
      graphFailed: "Could not load the graph",
      noGraph: "Pick a result or a document to see its graph.",
      task: "Task",
      chain: "Chain of documents",
      document: "Document",
      source: "Source",
      openGraph: "Show graph",
      close: "Close",
      openLineage: "Show this document's lineage",
      resourcePage: "Data page",
      fields: { kind: "Kind", notation: "Number", date: "Date", issuer: "Issued by", jurisdiction: "Area", status: "Status", label_en: "Vietnamese" },
      kinds: { document: "Document", objective: "Objective", "task-group": "Task group", task: "Task", target: "Target", agency: "Agency", indicator: "Indicator", meeting: "Meeting", person: "Person" },
      types: { Resolution: "Resolution", Plan: "Plan", ActionProgramme: "Action programme", Scheme: "Scheme", OfficialLetter: "Official letter" },
      draft: "draft",
    },
  };
  // Role names as the role scheme (ontology/vocab/schemes.ttl) gives them; "draft" is what
  // /api/responsible reports for the agency drafting a document (pol:draftedBy).
  const ROLES = {
    lead: { vi: "Chủ trì", en: "Lead" },
    coordinate: { vi: "Phối hợp", en: "Coordinate" },
    advise: { vi: "Tham mưu", en: "Advise" },
    assigned: { vi: "Được giao thực hiện", en: "Carry out" },
    draft: { vi: "Soạn thảo", en: "Drafts" },
  };
  const RELATIONS = {
    implements: { vi: "thực hiện", en: "implements" },
    basedOn: { vi: "căn cứ", en: "based on" },
    issuedBy: { vi: "ban hành", en: "issued by" },
    draftedBy: { vi: "soạn thảo", en: "drafted by" },
    hasObjective: { vi: "mục tiêu", en: "objective" },
    hasTarget: { vi: "chỉ tiêu", en: "target" },
    hasTaskGroup: { vi: "nhóm nhiệm vụ", en: "task group" },
    hasTask: { vi: "nhiệm vụ", en: "task" },
    measures: { vi: "đo", en: "measures" },
    concerns: { vi: "liên quan", en: "concerns" },
    assignedAt: { vi: "giao tại", en: "assigned at" },
    discusses: { vi: "bàn về", en: "discusses" },
    organisedBy: { vi: "tổ chức", en: "organised by" },
    chairedBy: { vi: "chủ trì họp", en: "chaired by" },
    subOrganizationOf: { vi: "trực thuộc", en: "part of" },
  };
  const TYPE_COLOURS = {
    Resolution: "#d6604d", Plan: "#f4a582", ActionProgramme: "#fdb863", Scheme: "#fee08b", OfficialLetter: "#e6f598",
  };
  const KIND_STYLE = {
    document: { colour: "#f4a582", shape: "round-rectangle" },
    objective: { colour: "#fddbc7", shape: "ellipse" },
    "task-group": { colour: "#d1e5f0", shape: "round-rectangle" },
    task: { colour: "#92c5de", shape: "round-rectangle" },
    target: { colour: "#e0f3db", shape: "diamond" },
    agency: { colour: "#b2abd2", shape: "hexagon" },
    indicator: { colour: "#a6dba0", shape: "tag" },
    meeting: { colour: "#ffffbf", shape: "round-triangle" },
    person: { colour: "#dfc27d", shape: "ellipse" },
  };
  const ROLE_COLOURS = { lead: "#b2182b", coordinate: "#e08214", advise: "#6a51a3", assigned: "#4d4d4d" };
  // Edges from a container to what it holds: the child sits one layer lower.
  const OWNS = new Set(["hasObjective", "hasTarget", "hasTaskGroup", "hasTask", "measures"]);
  const LINEAGE = new Set(["implements", "basedOn"]);

  const params = new URLSearchParams(window.location.search);
  const state = {
    lang: params.get("lang") === "en" || (!params.get("lang") && localStorage.getItem("policykg-lang") === "en") ? "en" : "vi",
    results: [],
    query: "",
    root: null,
    rootName: "",
    title: "",
    highlight: new Set(),
    maxElements: Number(params.get("max")) > 0 ? Number(params.get("max")) : DEFAULT_MAX_ELEMENTS,
  };
  const $ = (id) => document.getElementById(id);
  const t = (key) => TEXT[state.lang][key];

  // ------------------------------------------------------------------ text helpers

  const { el, showStatus, detailText, translate } = window.policykgPage;

  function shorten(text, size) {
    if (!text) return "";
    return text.length <= size ? text : text.slice(0, size - 1).trimEnd() + "…";
  }

  function localPath(iri) {
    // Our IRIs resolve on this server under /id/… (the resource pages), so links stay local.
    return iri && iri.startsWith(POLID) ? "/id/" + iri.slice(POLID.length) : iri;
  }

  function roleBadge(role) {
    const names = ROLES[role];
    const other = state.lang === "vi" ? "en" : "vi";
    if (!names) return el("span", { class: "role" }, role || "?");
    return el("span", { class: `role role-${role}` }, names[state.lang], " ", el("span", { class: "other" }, `· ${names[other]}`));
  }

  function relationText(data) {
    if (data.role && ROLES[data.role]) return ROLES[data.role][state.lang];
    const names = RELATIONS[data.relation];
    return names ? names[state.lang] : data.relation;
  }

  // ------------------------------------------------------------------ language

  function applyLanguage() {
    translate(state.lang, t);
    const toggle = $("lang-toggle");
    toggle.textContent = t("langToggle");
    toggle.setAttribute("aria-pressed", String(state.lang === "en"));
    renderLegend();
    if (state.results.length) renderResults();
    if (window.cy) {
      window.cy.edges().forEach((edge) => edge.data("display", relationText(edge.data())));
      updateGraphStatus();
    }
  }

  // ------------------------------------------------------------------ search and cards

  async function search(query) {
    state.query = query;
    const status = $("results-status");
    showStatus(status, t("searching"));
    $("results").replaceChildren();
    syncUrl();
    let response;
    try {
      response = await fetch(`/api/responsible?q=${encodeURIComponent(query)}&limit=20`, { headers: { Accept: "application/json" } });
    } catch (error) {
      showStatus(status, `${t("searchFailed")}: ${error.message}`, true);
      return;
    }
    const body = await response.json().catch(() => ({}));
    // FastAPI's own 404 for a route that does not exist (the endpoint is not deployed here).
    if (response.status === 404 && body.detail === "Not Found") {
      showStatus(status, t("searchMissing"), true);
      return;
    }
    if (!response.ok) {
      showStatus(status, `${t("searchFailed")}: ${detailText(body, response)}`, true);
      return;
    }
    state.results = Array.isArray(body.results) ? body.results : [];
    renderResults();
  }

  function renderResults() {
    const list = $("results");
    const status = $("results-status");
    list.replaceChildren();
    if (!state.results.length) {
      showStatus(status, t("none")(state.query));
      return;
    }
    showStatus(status, t("found")(state.results.length, state.query));
    state.results.forEach((result, index) => list.append(card(result, index)));
  }

  function chainOf(result) {
    // From the top of the chain (a national resolution, when there is one) down to the
    // document that gives the task, each document once.
    const steps = [...(result.lineage || [])].sort((a, b) => (b.depth || 0) - (a.depth || 0));
    if (result.document) steps.push(result.document);
    const seen = new Set();
    return steps.filter((item) => item && item.iri && !seen.has(item.iri) && seen.add(item.iri));
  }

  function card(result, index) {
    const agency = result.agency || {};
    const task = result.task || {};
    const documentIri = (result.document && result.document.iri) || ((result.lineage || [])[0] || {}).iri;
    const open = () => {
      document.querySelectorAll(".card.active").forEach((c) => c.classList.remove("active"));
      node.classList.add("active");
      if (documentIri) openLineage(documentIri, { highlight: [agency.iri, task.iri, documentIri] });
    };
    const chain = chainOf(result);
    const node = el("article", {
      class: "card", tabindex: "0", "data-index": String(index), "data-document": documentIri,
      onclick: (event) => { if (!event.target.closest("a, .chain button")) open(); },
      onkeydown: (event) => { if (event.key === "Enter") open(); },
    },
    el("h3", { class: "agency" }, agency.label || agency.iri || "?"),
    roleBadge(result.role),
    el("p", { class: "task" }, el("strong", {}, `${t("task")}: `), task.label || task.iri || "?"),
    chain.length ? el("ol", { class: "chain", "aria-label": t("chain") },
      chain.map((doc) => el("li", {}, el("button", {
        type: "button", title: doc.label || doc.iri,
        onclick: () => openLineage(doc.iri, { highlight: [doc.iri] }),
      }, doc.notation || shorten(doc.label, 40) || doc.iri)))) : null,
    (result.sources || []).length ? el("p", { class: "meta" }, `${t("source")}: `,
      result.sources.map((s, i) => [i ? "; " : "", el("a", { href: localPath(s.iri), title: s.iri }, s.title || s.iri)])) : null,
    el("button", { type: "button", class: "open", onclick: open }, t("openGraph")));
    return node;
  }

  // ------------------------------------------------------------------ graph loading

  function exportUrl(format, extra) {
    const query = new URLSearchParams({ format, root: state.root, direction: $("direction").value, depth: $("depth").value, ...(extra || {}) });
    return `/api/export?${query}`;
  }

  async function openLineage(root, options) {
    state.root = root;
    state.highlight = new Set((options && options.highlight || []).filter(Boolean));
    syncUrl();
    const message = $("message");
    showStatus(message, t("loading"));
    let response;
    try {
      response = await fetch(exportUrl("cytoscape", { max_elements: state.maxElements }), { headers: { Accept: "application/json" } });
    } catch (error) {
      showStatus(message, `${t("graphFailed")}: ${error.message}`, true);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      graphError(response.status, body);
      return;
    }
    // The server resolved a notation to one document: use its IRI from now on.
    state.root = response.headers.get("X-Graph-Root") || root;
    if (!options || !options.highlight || !options.highlight.length) state.highlight.add(state.root);
    syncUrl();
    draw(body);
  }

  function graphError(status, body) {
    const message = $("message");
    const lead = status === 413 ? t("tooLarge") : status === 404 ? t("notFound") : status === 409 ? t("ambiguous") : t("graphFailed");
    const options = body.suggestions || body.candidates || [];
    message.classList.add("error");
    if (!options.length) {
      message.replaceChildren(`${lead}: ${detailText(body, { status })}`);
      if (status === 413) message.append(el("br"), ...narrowerViews());
      return;
    }
    // The server's message lists the same documents; offer them as buttons instead.
    message.replaceChildren(`${lead}: “${state.root}”.`, el("br"), status === 409 ? "" : `${t("didYouMean")} `,
      ...options.map((o) => el("button", { type: "button", title: o.label || o.iri, onclick: () => openLineage(o.iri, { highlight: [o.iri] }) },
        [o.notation, o.issuer_label, o.date].filter(Boolean).join(" — ") || o.label || o.iri)));
  }

  // Smaller views of the same root to offer when the server refuses a selection as too large.
  function narrowerViews() {
    const reload = (direction, depth) => () => {
      $("direction").value = direction;
      $("depth").value = String(depth);
      openLineage(state.root, { highlight: [...state.highlight] });
    };
    const depth = Number($("depth").value);
    const choices = [];
    if ($("direction").value !== "up") choices.push([t("narrowUp"), reload("up", depth)]);
    if (depth > 1) choices.push([t("narrowDepth"), reload($("direction").value, 1)]);
    return choices.map(([label, onclick]) => el("button", { type: "button", onclick }, label));
  }

  function displayLabel(data) {
    if (data.kind === "document") {
      const name = data.notation || shorten(data.label, 48);
      return data.status === "draft" ? `${name} (${t("draft")})` : name;
    }
    return shorten(data.label, data.kind === "agency" ? 70 : 60);
  }

  function draw(json) {
    const nodes = (json.elements && json.elements.nodes) || [];
    const edges = (json.elements && json.elements.edges) || [];
    const positions = layeredLayout(nodes, edges);
    const elements = [
      ...nodes.map((n) => ({
        data: { ...n.data, display: displayLabel(n.data) },
        position: positions.get(n.data.id),
        classes: [state.highlight.has(n.data.id) ? "highlight" : "", n.data.status === "draft" ? "draft" : ""].join(" ").trim(),
      })),
      ...edges.map((e, i) => ({ data: { ...e.data, id: `e${i}`, display: relationText(e.data) } })),
    ];
    if (window.cy) window.cy.destroy();
    const cy = cytoscape({
      container: $("graph-canvas"),
      elements,
      layout: { name: "preset", fit: true, padding: 30 },
      style: graphStyle(),
      minZoom: 0.05,
      maxZoom: 4,
    });
    window.cy = cy;
    cy.on("tap", "node", (event) => showDetails(event.target.data()));
    cy.on("tap", (event) => { if (event.target === cy) $("details").hidden = true; });
    const root = nodes.find((n) => n.data.id === state.root);
    state.rootName = root ? (root.data.notation || shorten(root.data.label, 60)) : state.root;
    ["fit", "png", "svg"].forEach((id) => { $(id).disabled = false; });
    updateExportLink();
    updateGraphStatus();
    $("details").hidden = true;
    document.body.dataset.graphReady = String(Date.now());
  }

  function updateGraphStatus() {
    if (!window.cy) return;
    state.title = t("lineageOf")(state.rootName);
    showStatus($("message"), t("drawn")(window.cy.nodes().length, window.cy.edges().length, state.title));
  }

  function graphStyle() {
    const style = [
      { selector: "node", style: {
        label: "data(display)", "font-size": 10, "text-wrap": "wrap", "text-max-width": 150, "text-valign": "center",
        "text-halign": "center", width: 160, height: 52, "border-width": 1, "border-color": "#555", color: "#111",
        "background-color": "#eee", shape: "round-rectangle",
      } },
      { selector: "node.draft", style: { "border-style": "dashed", "border-width": 2 } },
      { selector: "node.highlight", style: { "border-width": 4, "border-color": "#d7191c" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#2166ac" } },
      { selector: "edge", style: {
        label: "data(display)", "font-size": 8, color: "#333", "text-rotation": "autorotate", "text-background-color": "#fff",
        "text-background-opacity": 0.8, "text-background-padding": 1, width: 1.2, "line-color": "#9aa4ae",
        "target-arrow-color": "#9aa4ae", "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8,
      } },
      { selector: 'edge[relation = "implements"], edge[relation = "basedOn"]', style: { width: 2.5, "line-color": "#444", "target-arrow-color": "#444" } },
      { selector: 'edge[relation = "basedOn"]', style: { "line-style": "dashed" } },
    ];
    for (const [kind, spec] of Object.entries(KIND_STYLE)) {
      style.push({ selector: `node[kind = "${kind}"]`, style: { "background-color": spec.colour, shape: spec.shape } });
    }
    style.push({ selector: 'node[kind = "agency"]', style: { width: 170, height: 60 } });
    style.push({ selector: 'node[kind = "task"]', style: { width: 170, height: 58, "font-size": 9 } });
    style.push({ selector: 'node[kind = "target"]', style: { width: 120, height: 70, "font-size": 8, "text-max-width": 100 } });
    for (const [type, colour] of Object.entries(TYPE_COLOURS)) {
      style.push({ selector: `node[kind = "document"][type = "${type}"]`, style: { "background-color": colour } });
    }
    for (const [role, colour] of Object.entries(ROLE_COLOURS)) {
      style.push({ selector: `edge[role = "${role}"]`, style: { "line-color": colour, "target-arrow-color": colour, width: 2 } });
    }
    return style;
  }

  // ------------------------------------------------------------------ layered layout

  /* Rank every node: documents by the longest chain above them (a national resolution with
   * nothing above it is rank 0), parts one below their container, an issuer beside its first
   * document, responsible agencies and people at the bottom. Then order each layer by the mean
   * x of its neighbours already placed (one barycentre sweep) and wrap wide layers into rows. */
  function layeredLayout(nodes, edges) {
    const kind = new Map(nodes.map((n) => [n.data.id, n.data.kind]));
    const rank = new Map();
    const parents = new Map();
    for (const e of edges) {
      const { source, target, relation } = e.data;
      if (LINEAGE.has(relation) && kind.get(source) === "document" && kind.get(target) === "document") {
        if (!parents.has(source)) parents.set(source, []);
        parents.get(source).push(target);
      }
    }
    const visiting = new Set();
    const docRank = (id) => {
      if (rank.has(id)) return rank.get(id);
      if (visiting.has(id)) return 0; // a cycle in the data: cut it here
      visiting.add(id);
      const above = (parents.get(id) || []).map(docRank);
      visiting.delete(id);
      const value = above.length ? Math.max(...above) + 1 : 0;
      rank.set(id, value);
      return value;
    };
    nodes.filter((n) => n.data.kind === "document").forEach((n) => docRank(n.data.id));
    // Parts hang below their container; meetings below the document they discuss.
    for (let pass = 0; pass < 6; pass += 1) {
      let changed = false;
      for (const e of edges) {
        const { source, target, relation } = e.data;
        let parent = null;
        let child = null;
        if (OWNS.has(relation) && kind.get(target) !== "agency") { parent = source; child = target; }
        else if (relation === "discusses") { parent = target; child = source; }
        if (parent === null || !rank.has(parent) || kind.get(child) === "document") continue;
        const wanted = rank.get(parent) + 1;
        if (!rank.has(child) || rank.get(child) < wanted) { rank.set(child, wanted); changed = true; }
      }
      if (!changed) break;
    }
    const deepest = Math.max(0, ...[...rank.values()]);
    const responsible = new Set(edges.filter((e) => e.data.role || e.data.relation === "draftedBy" || e.data.relation === "organisedBy")
      .map((e) => e.data.target));
    for (const n of nodes) {
      const id = n.data.id;
      if (rank.has(id)) continue;
      if (n.data.kind === "agency" && !responsible.has(id)) {
        const issued = edges.filter((e) => e.data.relation === "issuedBy" && e.data.target === id && rank.has(e.data.source))
          .map((e) => rank.get(e.data.source));
        if (issued.length) { rank.set(id, Math.min(...issued)); continue; }
      }
      rank.set(id, deepest + 1);
    }
    const neighbours = new Map(nodes.map((n) => [n.data.id, []]));
    for (const e of edges) {
      if (neighbours.has(e.data.source) && neighbours.has(e.data.target)) {
        neighbours.get(e.data.source).push(e.data.target);
        neighbours.get(e.data.target).push(e.data.source);
      }
    }
    const layers = new Map();
    for (const n of nodes) {
      const r = rank.get(n.data.id);
      if (!layers.has(r)) layers.set(r, []);
      layers.get(r).push(n.data);
    }
    const positions = new Map();
    const columnWidth = 220;
    const rowHeight = 95;
    const perRow = 10;
    let y = 0;
    for (const r of [...layers.keys()].sort((a, b) => a - b)) {
      const layer = layers.get(r);
      const centre = (data) => {
        const placed = neighbours.get(data.id).filter((id) => positions.has(id)).map((id) => positions.get(id).x);
        return placed.length ? placed.reduce((a, b) => a + b, 0) / placed.length : Infinity;
      };
      const keyed = layer.map((data) => ({ data, x: centre(data), name: (data.notation || "") + (data.date || "") + data.label }));
      keyed.sort((a, b) => (a.x === b.x ? 0 : a.x < b.x ? -1 : 1) || a.name.localeCompare(b.name, "vi"));
      const rows = Math.ceil(keyed.length / perRow);
      keyed.forEach((item, i) => {
        const row = Math.floor(i / perRow);
        const inRow = row === rows - 1 ? keyed.length - row * perRow : perRow;
        const column = i % perRow;
        // Stagger alternate rows so labels of stacked rows do not line up on top of each other.
        const offset = row % 2 ? columnWidth / 2 : 0;
        positions.set(item.data.id, { x: (column - (inRow - 1) / 2) * columnWidth + offset, y: y + row * rowHeight });
      });
      y += rows * rowHeight + 60;
    }
    return positions;
  }

  // ------------------------------------------------------------------ details, downloads

  function showDetails(data) {
    const panel = $("details");
    const fields = t("fields");
    const rows = [];
    const kindName = data.kind === "document" ? (t("types")[data.type] || data.type) : (t("kinds")[data.kind] || data.kind);
    rows.push([fields.kind, kindName]);
    for (const key of ["notation", "date", "issuer", "jurisdiction", "status"]) {
      if (data[key]) rows.push([fields[key], String(data[key])]);
    }
    const other = state.lang === "vi" ? data.label_en : data.label;
    const shown = state.lang === "vi" ? data.label : (data.label_en || data.label);
    if (other && other !== shown) rows.push([fields.label_en, other]);
    panel.replaceChildren(
      el("button", { type: "button", class: "close", "aria-label": t("close"), onclick: () => { panel.hidden = true; } }, "×"),
      el("h3", {}, shown),
      el("dl", {}, rows.map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])),
      el("p", {}, el("a", { href: localPath(data.id) }, t("resourcePage"))),
      data.kind === "document" && data.id !== state.root
        ? el("button", { type: "button", onclick: () => openLineage(data.id, { highlight: [data.id] }) }, t("openLineage"))
        : null,
    );
    panel.hidden = false;
  }

  function fileStem() {
    const root = window.cy && window.cy.getElementById(state.root);
    const name = root && root.nonempty() ? (root.data("notation") || "lineage") : "lineage";
    return `policykg-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-${$("direction").value}-${$("depth").value}`;
  }

  function saveUrl(url, filename) {
    const link = el("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function downloadPng() {
    const uri = window.cy.png({ output: "base64uri", full: true, scale: 2, bg: "#ffffff" });
    saveUrl(uri, `${fileStem()}.png`);
    return uri;
  }

  function escapeXml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function wrap(text, width) {
    const lines = [];
    let line = "";
    for (const word of String(text).split(/\s+/)) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else { line = line ? `${line} ${word}` : word; }
    }
    if (line) lines.push(line);
    return lines;
  }

  function svgShape(node) {
    const { x, y } = node.position();
    const w = node.width();
    const h = node.height();
    const fill = node.style("background-color");
    const stroke = node.style("border-color");
    const strokeWidth = parseFloat(node.style("border-width")) || 1;
    const dash = node.style("border-style") === "dashed" ? ' stroke-dasharray="5,3"' : "";
    const paint = `fill="${fill}" stroke="${stroke}" stroke-width="${strokeWidth}"${dash}`;
    const points = (pairs) => pairs.map(([px, py]) => `${x + px * w / 2},${y + py * h / 2}`).join(" ");
    switch (node.style("shape")) {
      case "ellipse":
        return `<ellipse cx="${x}" cy="${y}" rx="${w / 2}" ry="${h / 2}" ${paint}/>`;
      case "diamond":
        return `<polygon points="${points([[0, -1], [1, 0], [0, 1], [-1, 0]])}" ${paint}/>`;
      case "hexagon":
        return `<polygon points="${points([[-0.5, -1], [0.5, -1], [1, 0], [0.5, 1], [-0.5, 1], [-1, 0]])}" ${paint}/>`;
      case "round-triangle":
        return `<polygon points="${points([[0, -1], [1, 1], [-1, 1]])}" ${paint}/>`;
      case "tag":
        return `<polygon points="${points([[-1, -1], [0.6, -1], [1, 0], [0.6, 1], [-1, 1]])}" ${paint}/>`;
      default:
        return `<rect x="${x - w / 2}" y="${y - h / 2}" width="${w}" height="${h}" rx="8" ${paint}/>`;
    }
  }

  /* The current view as SVG, built from cytoscape's model (positions, sizes, computed colours):
   * no extension needed, and the text stays text (searchable, diacritics intact). */
  function buildSvg() {
    const cy = window.cy;
    const box = cy.elements().boundingBox({ includeLabels: true });
    const pad = 20;
    const parts = [];
    parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${box.x1 - pad} ${box.y1 - pad} ${box.w + 2 * pad} ${box.h + 2 * pad}" width="${Math.ceil(box.w + 2 * pad)}" height="${Math.ceil(box.h + 2 * pad)}" font-family="sans-serif">`);
    parts.push(`<title>${escapeXml(state.title)}</title>`);
    parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>');
    parts.push(`<rect x="${box.x1 - pad}" y="${box.y1 - pad}" width="${box.w + 2 * pad}" height="${box.h + 2 * pad}" fill="#ffffff"/>`);
    cy.edges().forEach((edge) => {
      const s = edge.sourceEndpoint();
      const e = edge.targetEndpoint();
      const m = edge.midpoint();
      const colour = edge.style("line-color");
      const dash = edge.style("line-style") === "dashed" ? ' stroke-dasharray="6,4"' : "";
      parts.push(`<g class="edge" data-relation="${escapeXml(edge.data("relation"))}"><line x1="${s.x}" y1="${s.y}" x2="${e.x}" y2="${e.y}" stroke="${colour}" stroke-width="${parseFloat(edge.style("width")) || 1}"${dash} marker-end="url(#arrow)"/>`
        + `<text x="${m.x}" y="${m.y}" font-size="8" text-anchor="middle" fill="#333">${escapeXml(edge.data("display"))}</text></g>`);
    });
    cy.nodes().forEach((node) => {
      const { x, y } = node.position();
      const lines = wrap(node.data("display"), 26);
      const size = parseFloat(node.style("font-size")) || 10;
      const top = y - ((lines.length - 1) * size * 1.15) / 2 + size * 0.35;
      const text = lines.map((line, i) => `<tspan x="${x}" y="${top + i * size * 1.15}">${escapeXml(line)}</tspan>`).join("");
      parts.push(`<g class="node" data-id="${escapeXml(node.id())}">${svgShape(node)}<text font-size="${size}" text-anchor="middle" fill="#111">${text}</text></g>`);
    });
    parts.push("</svg>");
    return parts.join("\n");
  }

  function downloadSvg() {
    const svg = buildSvg();
    const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml;charset=utf-8" }));
    saveUrl(url, `${fileStem()}.svg`);
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return svg;
  }

  function updateExportLink() {
    const link = $("export-link");
    if (!state.root) return;
    link.href = exportUrl($("export-format").value);
    link.classList.remove("disabled");
    link.removeAttribute("aria-disabled");
  }

  function renderLegend() {
    const legend = $("legend");
    const items = [];
    for (const [type, colour] of Object.entries(TYPE_COLOURS)) items.push([colour, t("types")[type]]);
    for (const [kind, spec] of Object.entries(KIND_STYLE)) if (kind !== "document") items.push([spec.colour, t("kinds")[kind]]);
    for (const [role, colour] of Object.entries(ROLE_COLOURS)) items.push([colour, `→ ${ROLES[role][state.lang]}`]);
    legend.replaceChildren(...items.map(([colour, name]) => el("li", {}, el("span", { class: "swatch", style: `background:${colour}` }), name)));
  }

  function syncUrl() {
    const query = new URLSearchParams();
    if (state.query) query.set("q", state.query);
    if (state.root) query.set("root", state.root);
    if (state.root && $("direction").value !== "both") query.set("direction", $("direction").value);
    if (state.root && $("depth").value !== String(MAX_DEPTH)) query.set("depth", $("depth").value);
    if (state.lang === "en") query.set("lang", "en");
    if (state.maxElements !== DEFAULT_MAX_ELEMENTS) query.set("max", String(state.maxElements));
    const text = query.toString();
    window.history.replaceState(null, "", text ? `/?${text}` : "/");
  }

  // ------------------------------------------------------------------ start

  function init() {
    const depth = $("depth");
    for (let d = 0; d <= MAX_DEPTH; d += 1) depth.append(el("option", { value: String(d) }, String(d)));
    depth.value = /^\d+$/.test(params.get("depth") || "") && Number(params.get("depth")) <= MAX_DEPTH ? params.get("depth") : String(MAX_DEPTH);
    const direction = $("direction");
    if (["up", "down", "both"].includes(params.get("direction"))) direction.value = params.get("direction");
    const formats = $("export-format");
    EXPORT_FORMATS.forEach((f) => formats.append(el("option", { value: f }, f)));
    formats.addEventListener("change", updateExportLink);
    [direction, depth].forEach((control) => control.addEventListener("change", () => {
      if (state.root) openLineage(state.root, { highlight: [...state.highlight] });
    }));
    $("fit").addEventListener("click", () => window.cy && window.cy.fit(undefined, 30));
    $("png").addEventListener("click", downloadPng);
    $("svg").addEventListener("click", downloadSvg);
    $("lang-toggle").addEventListener("click", () => {
      state.lang = state.lang === "vi" ? "en" : "vi";
      localStorage.setItem("policykg-lang", state.lang);
      applyLanguage();
      syncUrl();
    });
    $("search").addEventListener("submit", (event) => {
      event.preventDefault();
      const query = $("q").value.normalize("NFC").trim();
      if (query) search(query);
    });
    applyLanguage();
    showStatus($("message"), t("noGraph"));
    if (params.get("q")) {
      $("q").value = params.get("q");
      search(params.get("q").normalize("NFC").trim());
    }
    if (params.get("root")) openLineage(params.get("root").normalize("NFC").trim(), { highlight: [] });
  }

  // For tests and the console: the SVG of the current view, and the PNG data URI.
  window.policykgExplorer = { buildSvg, downloadPng, openLineage, search };
  init();
})();
