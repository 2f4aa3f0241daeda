/** The demo's stylesheet: one column on a phone, page and "what the server stores" side by side on a desktop. */
export const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f4f5f8}
a{color:#2b59c3}
header{background:#1d2330;color:#fff}
header .bar{max-width:1080px;margin:0 auto;padding:.75rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center}
header .brand{font-weight:700;color:#fff;text-decoration:none;margin-right:auto;display:flex;gap:.5rem;align-items:center}
header .logo{display:inline-grid;place-items:center;width:1.7rem;height:1.7rem;border-radius:6px;background:#2b59c3;font-size:.8rem}
header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
header nav a{color:#dfe6f5;text-decoration:none}
header nav a:hover{text-decoration:underline}
header nav .who{color:#9fb0d0}
header form{margin:0}
header button{background:none;border:1px solid #6b7a99;color:#dfe6f5;padding:.2rem .6rem}
main{max-width:1080px;margin:0 auto;padding:1rem;display:grid;gap:1rem;grid-template-columns:1fr}
@media (min-width:860px){main{grid-template-columns:minmax(0,3fr) minmax(0,2fr);align-items:start}}
.card{background:#fff;border:1px solid #dde1ea;border-radius:10px;padding:1rem 1.25rem}
h1{font-size:1.4rem;margin:.2rem 0 .8rem}
h2{font-size:1.05rem;margin:1rem 0 .5rem}
.flash{grid-column:1/-1;border-radius:8px;padding:.6rem 1rem;margin:0}
.flash.ok{background:#e5f5ea;border:1px solid #9fd3ae}
.flash.error{background:#fdecec;border:1px solid #eea9a9}
form.stack{display:grid;gap:.6rem;max-width:22rem}
label{display:grid;gap:.2rem;font-size:.95rem}
label.check{display:flex;gap:.5rem;align-items:center}
input[type=text],input[type=password],select{font:inherit;padding:.45rem .6rem;border:1px solid #b9c0cf;border-radius:6px;width:100%}
button{font:inherit;cursor:pointer;border-radius:6px;border:1px solid #2b59c3;background:#2b59c3;color:#fff;padding:.4rem .9rem}
button.secondary{background:#fff;color:#2b59c3}
button.danger{background:#fff;color:#b42318;border-color:#b42318}
.inline{display:inline}
ul.items{list-style:none;padding:0;margin:0 0 1rem}
ul.items li{display:flex;justify-content:space-between;align-items:center;gap:.5rem;padding:.4rem 0;border-bottom:1px solid #eef0f5}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.muted{color:#5d667a;font-size:.9rem}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{text-align:left;padding:.45rem .4rem;border-bottom:1px solid #eef0f5;vertical-align:top}
.tag{display:inline-block;background:#e8eefc;color:#2b59c3;border-radius:999px;padding:0 .5rem;font-size:.8rem}
.panel h2{margin-top:0}
.panel .side{border:1px dashed #b9c0cf;border-radius:8px;padding:.6rem .8rem;margin-bottom:.8rem}
.panel .side p{margin:.3rem 0}
.panel dl{display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;margin:0;font-size:.88rem}
.panel dt{color:#5d667a}
.panel dd{margin:0;overflow-wrap:anywhere}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f4f5f8;border-radius:6px;padding:.5rem;overflow:auto;margin:.4rem 0 0;white-space:pre-wrap;word-break:break-all}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:.75rem;margin:.5rem 0 1rem}
.chart{margin:0;border:1px solid #eef0f5;border-radius:8px;padding:.5rem .6rem}
.chart figcaption{font-size:.88rem;display:flex;gap:.35rem;align-items:baseline}
.chart figcaption strong{margin-left:auto;font-size:1.05rem}
.chart svg{display:block;margin:.3rem 0 .1rem;fill:#2b59c3}
.chart .axis{stroke:#b9c0cf;stroke-width:1}
.chart p{margin:0}
.health{border-radius:8px;padding:.5rem .8rem;margin:0 0 .5rem}
.health.ok{background:#e5f5ea;border:1px solid #9fd3ae}
.health.degraded{background:#fff6e0;border:1px solid #e7c66b}
.health.down{background:#fdecec;border:1px solid #eea9a9}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.totals{max-width:28rem}
@media (max-width:600px){.sessions thead{display:none}.sessions tr{display:block;border-bottom:1px solid #dde1ea;padding:.4rem 0}.sessions td{display:block;border:0;padding:.1rem 0}.sessions td[data-label]::before{content:attr(data-label) ": ";color:#5d667a}}
`;
