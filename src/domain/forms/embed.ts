import { CAPTCHA_RESPONSE_FIELD, type CaptchaProvider } from './definition';
import { CAPTCHA_SCRIPT, FORM_LOOK, formHtml, OFF_SCREEN, TEXT, thanksMessage, VISUALLY_HIDDEN, type FormRendering } from './pages';

/**
 * The embed's own stylesheet. What hides the honeypot and the words for screen readers always; the
 * look unless the script tag says `data-lf-style="none"`, in rules of no specificity (`:where`), so
 * that any rule of the host page wins. The markup's inline styles hide them too, but a host page whose
 * Content-Security-Policy has no 'unsafe-inline' in `style-src` drops inline styles and `<style>`
 * elements, and would show the honeypot: the script adds this as a constructed stylesheet, which
 * such a policy lets through.
 */
const EMBED_STYLE = {
  hidden: `.lf-form .lf-hp{${OFF_SCREEN}}.lf-form .lf-visually-hidden{${VISUALLY_HIDDEN}}`,
  look: `:where(.lf-form){max-width:40rem;line-height:1.5}${FORM_LOOK.map(([selectors, declarations]) => `:where(${selectors.map((selector) => `.lf-form ${selector}`).join(',')}){${declarations}}`).join('')}`,
};

/**
 * The Trusted Types policy the script makes on a site that enforces them: it passes only the form's
 * own markup and the CAPTCHA widget's address, both written by the API. A site whose policy lists
 * the names it allows (`trusted-types`) adds this one.
 */
export const TRUSTED_TYPES_POLICY = 'leadflow-form';

/** The global each CAPTCHA provider's script defines, with its `render` and `reset` (both take and give a widget's id). */
const CAPTCHA_API = { turnstile: 'turnstile', hcaptcha: 'hcaptcha' } as const satisfies Record<CaptchaProvider, string>;

/** A value as a JavaScript literal, with `<` escaped so no `</script>` can end a script it is inlined in. */
const inlineJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * The embed script: `<script src=".../f/{formId}/embed.js"></script>` puts the form where the tag is,
 * points it at the API the script came from, fills the hidden fields from the host page (its address,
 * referrer and UTM parameters), gives it its stylesheet (EMBED_STYLE) and loads the CAPTCHA widget
 * when the form has one. Forms embedded side by side (or one form twice) keep apart: each has ids of
 * its own and its own widget, and the provider's script is loaded once.
 *
 * It sends the form in place, so the visitor stays on the site: the form's message takes its place
 * (or the browser goes to its thank-you URL), and what the API refuses is shown beside each field and
 * listed above them, as the hosted page shows it (and a refused CAPTCHA answer makes the widget ask
 * again). Any other answer, or none the page may read (an API whose CORS does not name the site), and
 * the form is posted as a plain HTML form instead, as it was before the script took it: the rendered
 * idempotency key makes that post the same submission as the one that may have arrived.
 */
export function embedScript(rendering: FormRendering): string {
  const { definition, lang } = rendering;
  const captcha = definition.spam.captcha?.provider;
  const answers = {
    redirect: definition.success.kind === 'redirect' ? definition.success.url : null,
    thanks: thanksMessage(definition, lang),
    isRequired: TEXT[lang].isRequired,
    errorTitle: TEXT[lang].errorTitle,
    errorPrefix: TEXT[lang].errorPrefix,
    labels: Object.fromEntries(definition.fields.map((field) => [field.name, field.label[lang]])),
    captchaField: captcha ? CAPTCHA_RESPONSE_FIELD[captcha] : null,
  };
  return `(function () {
  var here = document.currentScript;
  // A site enforcing Trusted Types takes markup and script addresses only through a policy it allows
  // by name, made once a page: a second embed on it reuses the first's.
  var passThrough = { createHTML: function (markup) { return markup; }, createScriptURL: function (address) { return address; } };
  var trusted = window.trustedTypes && window.trustedTypes.createPolicy
    ? (window.leadflowFormPolicy = window.leadflowFormPolicy || window.trustedTypes.createPolicy(${inlineJson(TRUSTED_TYPES_POLICY)}, passThrough))
    : passThrough;
  var holder = document.createElement('div');
  holder.innerHTML = trusted.createHTML(${inlineJson(formHtml(rendering))});
  var form = holder.firstElementChild;
  // A second form on the page (another form, or this one again) would share the first's ids: its
  // labels and the links of its error list would lead to the first form's fields. Counted once a page.
  var instance = window.leadflowFormCount = (window.leadflowFormCount || 0) + 1;
  var suffix = instance > 1 ? '-' + instance : '';
  form.querySelectorAll('[id]').forEach(function (node) { node.id += suffix; });
  form.querySelectorAll('label[for]').forEach(function (label) { label.htmlFor += suffix; });
  var action = here && here.src ? new URL(form.getAttribute('action'), here.src).href : form.getAttribute('action');
  form.setAttribute('action', action);
  var query = new URLSearchParams(window.location.search);
  var known = { pageUrl: window.location.href, referrer: document.referrer };
  form.querySelectorAll('[data-lf-hidden]').forEach(function (input) {
    var name = input.getAttribute('data-lf-hidden');
    var value = Object.prototype.hasOwnProperty.call(known, name) ? known[name] : query.get(name);
    if (value) input.value = value;
  });
  var css = ${inlineJson(EMBED_STYLE.hidden)} + (here && here.getAttribute('data-lf-style') === 'none' ? '' : ${inlineJson(EMBED_STYLE.look)});
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
  } catch (error) {
    var style = document.createElement('style');
    style.textContent = css;
    document.head.appendChild(style);
  }
  if (here && here.parentNode) here.parentNode.insertBefore(form, here); else document.body.appendChild(form);
  var captcha = ${captcha ? inlineJson({ script: CAPTCHA_SCRIPT[captcha], api: CAPTCHA_API[captcha] }) : 'null'};
  var widget = captcha && form.querySelector('[data-sitekey]');
  var widgetId;
  if (captcha) {
    // The widgets are rendered by the script, each by its own call (the provider's explicit rendering):
    // forms side by side, or one added after the provider's script has loaded, each get theirs, and a
    // widget is reset alone. The provider's script is loaded once a page.
    var loader = window.leadflowCaptcha = window.leadflowCaptcha || {};
    var state = loader[captcha.api] = loader[captcha.api] || { waiting: [] };
    var render = function () { widgetId = window[captcha.api].render(widget, { sitekey: widget.getAttribute('data-sitekey') }); };
    var provider = window[captcha.api];
    if (state.ready || (!state.loading && provider && provider.render)) render();
    else {
      state.waiting.push(render);
      if (!state.loading) {
        state.loading = true;
        var ready = 'leadflow' + captcha.api + 'Ready';
        window[ready] = function () { state.ready = true; state.waiting.splice(0).forEach(function (waiting) { waiting(); }); };
        var script = document.createElement('script');
        script.src = trusted.createScriptURL(captcha.script + '?render=explicit&onload=' + ready);
        script.async = true;
        document.head.appendChild(script);
      }
    }
  }

  var answers = ${inlineJson(answers)};
  var idOf = function (name) { return 'lf-' + name.replace(/[^A-Za-z0-9_-]/g, '-') + suffix; };
  var make = function (tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  };
  function thank() {
    if (answers.redirect) { window.location.assign(answers.redirect); return; }
    var thanks = make('p', 'lf-thanks', answers.thanks);
    thanks.setAttribute('role', 'status');
    thanks.tabIndex = -1;
    form.parentNode.replaceChild(thanks, form);
    thanks.focus();
  }
  function showIssues(issues) {
    form.querySelectorAll('.lf-errors, .lf-error').forEach(function (node) { node.parentNode.removeChild(node); });
    form.querySelectorAll('[aria-invalid]').forEach(function (node) { node.removeAttribute('aria-invalid'); node.removeAttribute('aria-describedby'); });
    var summary = make('div', 'lf-errors');
    summary.setAttribute('role', 'alert');
    summary.setAttribute('aria-labelledby', 'lf-errors-title' + suffix);
    summary.tabIndex = -1;
    var title = make('h2', '', answers.errorTitle);
    title.id = 'lf-errors-title' + suffix;
    var list = make('ul');
    summary.appendChild(title);
    summary.appendChild(list);
    issues.forEach(function (issue) {
      var field = String(issue.field);
      var message = issue.message === 'is required' ? answers.isRequired : String(issue.message);
      var label = Object.prototype.hasOwnProperty.call(answers.labels, field) ? answers.labels[field] : field;
      var link = make('a', '', label + ': ' + message);
      link.href = '#' + idOf(field);
      list.appendChild(make('li')).appendChild(link);
      var control = document.getElementById(idOf(field));
      if (!control || !form.contains(control)) return;
      var error = make('p', 'lf-error');
      error.id = idOf(field) + '-error';
      error.appendChild(make('span', 'lf-visually-hidden', answers.errorPrefix + ' '));
      error.appendChild(document.createTextNode(message));
      control.parentNode.insertBefore(error, control);
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', error.id);
    });
    form.insertBefore(summary, form.firstChild);
    summary.focus();
  }
  form.addEventListener('submit', function (event) {
    if (event.defaultPrevented || !window.fetch || !window.FormData) return;
    event.preventDefault();
    var button = form.querySelector('button[type=submit]');
    var postPlainly = function () { HTMLFormElement.prototype.submit.call(form); };
    if (button) button.disabled = true;
    fetch(action, { method: 'POST', body: new URLSearchParams(new FormData(form)), headers: { accept: 'application/json' }, credentials: 'omit' })
      .then(function (response) {
        if (response.ok) return thank();
        if (response.status !== 400) return postPlainly();
        return response.json().then(function (refusal) {
          if (!refusal || !Array.isArray(refusal.issues) || !refusal.issues.length) return postPlainly();
          showIssues(refusal.issues);
          // A refused answer is spent: the widget asks again (the page is not reloaded, as a plain post would).
          var refusedChallenge = refusal.issues.some(function (issue) { return issue.field === answers.captchaField; });
          if (refusedChallenge && widgetId !== undefined) window[captcha.api].reset(widgetId);
        });
      })
      .catch(postPlainly)
      .then(function () { if (button) button.disabled = false; });
  });
})();
`;
}
