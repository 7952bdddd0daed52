// newperson.js -- register a person; the server validates (ID check digit, dates, regions)
// and each message is shown next to its field.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { post } from './api.js';
import { t, errorText } from './i18n.js';
import { Field, fieldErrors, loadCatalog } from './forms.js';

const html = htm.bind(h);

export function NewPerson({ query }) {
  const region = query.get('region') || '';
  const [cat, setCat] = useState(null);
  const [form, setForm] = useState({ name: '', gender: 'M', birth_date: '', id_number: '', ethnicity: '',
    household_region: region, residence_region: '', phone: '', kind: '', person_id: '' });
  const [error, setError] = useState(null);
  useEffect(() => { loadCatalog().then(setCat); }, []);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    const body = {};
    for (const k of ['name', 'gender', 'birth_date', 'id_number', 'ethnicity', 'household_region', 'residence_region', 'phone'])
      if (form[k]) body[k] = form[k];
    if (form.kind && form.person_id)
      body.relations = [{ kind: form.kind, person_id: Number(form.person_id), is_guardian: true }];
    try {
      const p = await post('/persons', body);
      location.hash = '#/persons/' + p.id;
    } catch (err) {
      setError(err);
    }
  };
  const errs = fieldErrors(error);
  return html`
    <form class="card" onSubmit=${submit} data-testid="new-person-form">
      <h1>${t('new_person')}</h1>
      ${error && html`<p class="error" data-testid="error-banner">${errorText(error)}</p>`}
      <${Field} label=${t('name')} name="name" errors=${errs}><input name="name" value=${form.name} onInput=${set('name')} /></${Field}>
      <${Field} label=${t('gender')} name="gender" errors=${errs}>
        <select name="gender" value=${form.gender} onChange=${set('gender')}>
          <option value="M">${t('male')}</option><option value="F">${t('female')}</option><option value="U">${t('unknown')}</option>
        </select></${Field}>
      <${Field} label=${t('id_number')} name="id_number" errors=${errs}><input name="id_number" value=${form.id_number} onInput=${set('id_number')} /></${Field}>
      <${Field} label=${t('birth_date')} name="birth_date" errors=${errs}><input name="birth_date" type="date" value=${form.birth_date} onInput=${set('birth_date')} /></${Field}>
      <${Field} label=${t('ethnicity')} name="ethnicity" errors=${errs}>
        <select name="ethnicity" value=${form.ethnicity} onChange=${set('ethnicity')}>
          <option value="">—</option>
          ${cat && cat.ethnicities.map((e) => html`<option value=${e.code}>${e.name}</option>`)}
        </select></${Field}>
      <${Field} label=${t('household_region')} name="household_region" errors=${errs}><input name="household_region" value=${form.household_region} onInput=${set('household_region')} /></${Field}>
      <${Field} label=${t('residence_region')} name="residence_region" errors=${errs}><input name="residence_region" value=${form.residence_region} onInput=${set('residence_region')} /></${Field}>
      <${Field} label=${t('phone')} name="phone" errors=${errs}><input name="phone" value=${form.phone} onInput=${set('phone')} /></${Field}>
      <fieldset>
        <legend>${t('optional_relation')}</legend>
        <div class="row wrap">
          <${Field} label=${t('relation')} name="relations" errors=${errs}>
            <select name="kind" value=${form.kind} onChange=${set('kind')}>
              <option value="">—</option>
              ${cat && cat.relation_kinds.map((k) => html`<option value=${k.code}>${k.name}</option>`)}
            </select></${Field}>
          <${Field} label=${t('related_person')} name="person_id" errors=${errs}><input name="person_id" inputmode="numeric" value=${form.person_id} onInput=${set('person_id')} /></${Field}>
        </div>
      </fieldset>
      <div class="row"><button data-testid="create-person">${t('create')}</button>
        <a class="button secondary" href=${'#/regions/' + region}>${t('cancel')}</a></div>
    </form>`;
}
