/**
 * Home: the cart. It works before login (the first add creates the session and its cookie) and
 * survives login, because `session.login()` moves the data to the new ticket.
 */
import { type Ctx, formToken, redirect, sendHtml } from '../context.ts';
import { html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

/** What can go in the cart. */
export const CATALOG = ['Wool coat', 'Rain jacket', 'Scarf', 'Umbrella', 'Gloves', 'Hat'] as const;
const MAX_ITEMS = 20;

/** GET / */
export async function showCart(ctx: Ctx): Promise<void> {
  const cart = (await ctx.session.get('cart')) ?? [];
  const token = await formToken(ctx.session);
  const items =
    cart.length === 0
      ? html`<p class="muted">Your cart is empty. Add something: it works without an account.</p>`
      : html`<ul class="items">${cart.map(
          (item, index) => html`<li><span>${item}</span>
            <form class="inline" method="post" action="/cart/remove">${csrfField(token)}
              <input type="hidden" name="index" value="${index}">
              <button class="secondary" type="submit" aria-label="Remove ${item}">Remove</button>
            </form></li>`,
        )}</ul>`;
  const body = html`<h1>Your cart</h1>
    ${items}
    <form class="row" method="post" action="/cart/add">${csrfField(token)}
      <label>Item<select name="item">${CATALOG.map((item) => html`<option>${item}</option>`)}</select></label>
      <button type="submit">Add to cart</button>
    </form>
    <h2>Try this</h2>
    <p class="muted">Add an item and watch the panel: a ticket appears in your browser and a record on the
      server. Log in and the ticket changes while the cart stays. Restart the server: the cart is still there.</p>`;
  sendHtml(ctx, 200, await page(ctx, 'Cart', body));
}

/** POST /cart/add */
export async function addToCart(ctx: Ctx): Promise<void> {
  const item = ctx.form.get('item') ?? '';
  if (!(CATALOG as readonly string[]).includes(item))
    return redirect(ctx, '/', { kind: 'error', text: 'Pick an item from the list.' });
  const cart = (await ctx.session.get('cart')) ?? [];
  if (cart.length >= MAX_ITEMS)
    return redirect(ctx, '/', { kind: 'error', text: `The cart holds at most ${MAX_ITEMS} items.` });
  await ctx.session.set('cart', [...cart, item]);
  await redirect(ctx, '/', { kind: 'ok', text: `Added ${item} to your cart.` });
}

/** POST /cart/remove */
export async function removeFromCart(ctx: Ctx): Promise<void> {
  const cart = (await ctx.session.get('cart')) ?? [];
  const index = Number(ctx.form.get('index'));
  const item = Number.isInteger(index) ? cart[index] : undefined;
  if (item === undefined)
    return redirect(ctx, '/', { kind: 'error', text: 'That item is no longer in your cart.' });
  const rest = cart.filter((_, i) => i !== index);
  if (rest.length === 0) await ctx.session.delete('cart');
  else await ctx.session.set('cart', rest);
  await redirect(ctx, '/', { kind: 'ok', text: `Removed ${item} from your cart.` });
}
