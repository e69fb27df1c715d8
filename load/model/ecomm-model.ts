import { operationId, type OperationModel, type ServiceModel } from "./service-model.ts";

/**
 * The seed's demo shop (`microservices-demo` in namespace `ecomm-prod`) as a synthetic model.
 * The call graph follows the demo: frontend -> {productcatalog, currency, cart, recommendation, ad,
 * checkout}; checkout -> {cart, productcatalog, currency, shipping, payment, email}; recommendation ->
 * productcatalog. Latencies are lognormal self times (medians of a few ms, a long tail on payment and
 * email); error rates are small, highest on payment (card declines) and email.
 */
export const ECOMM_NAMESPACE = "ecomm-prod";

export const ECOMM_SERVICES = ["frontend", "cart", "productcatalog", "currency", "payment", "shipping", "email", "checkout", "recommendation", "ad"] as const;

type EcommService = (typeof ECOMM_SERVICES)[number];

const op = (
  service: EcommService,
  name: string,
  medianMs: number,
  sigma: number,
  errorRate: number,
  calls: readonly string[] = [],
  errorStatus?: number,
): OperationModel => ({ service, name, selfLatency: { medianMs, sigma }, errorRate, calls, ...(errorStatus === undefined ? {} : { errorStatus }) });

const id = operationId;
const GET_CART = id("cart", "hipstershop.CartService/GetCart");
const ADD_ITEM = id("cart", "hipstershop.CartService/AddItem");
const EMPTY_CART = id("cart", "hipstershop.CartService/EmptyCart");
const LIST_PRODUCTS = id("productcatalog", "hipstershop.ProductCatalogService/ListProducts");
const GET_PRODUCT = id("productcatalog", "hipstershop.ProductCatalogService/GetProduct");
const SUPPORTED_CURRENCIES = id("currency", "hipstershop.CurrencyService/GetSupportedCurrencies");
const CONVERT = id("currency", "hipstershop.CurrencyService/Convert");
const CHARGE = id("payment", "hipstershop.PaymentService/Charge");
const GET_QUOTE = id("shipping", "hipstershop.ShippingService/GetQuote");
const SHIP_ORDER = id("shipping", "hipstershop.ShippingService/ShipOrder");
const SEND_CONFIRMATION = id("email", "hipstershop.EmailService/SendOrderConfirmation");
const PLACE_ORDER = id("checkout", "hipstershop.CheckoutService/PlaceOrder");
const LIST_RECOMMENDATIONS = id("recommendation", "hipstershop.RecommendationService/ListRecommendations");
const GET_ADS = id("ad", "hipstershop.AdService/GetAds");

/** The frontend route of a checkout: frontend -> checkout -> {cart, currency, shipping, payment, email}. */
export const ECOMM_CHECKOUT_ENTRY = id("frontend", "POST /cart/checkout");
export const ECOMM_HOME_ENTRY = id("frontend", "GET /");
export const ECOMM_PRODUCT_ENTRY = id("frontend", "GET /product/{id}");
export const ECOMM_VIEW_CART_ENTRY = id("frontend", "GET /cart");
export const ECOMM_ADD_TO_CART_ENTRY = id("frontend", "POST /cart");

const operations: Record<string, OperationModel> = {
  [ECOMM_HOME_ENTRY]: op("frontend", "GET /", 4, 0.4, 0.001, [SUPPORTED_CURRENCIES, LIST_PRODUCTS, GET_CART, CONVERT, GET_ADS]),
  [ECOMM_PRODUCT_ENTRY]: op("frontend", "GET /product/{id}", 3, 0.4, 0.001, [
    GET_PRODUCT,
    SUPPORTED_CURRENCIES,
    GET_CART,
    CONVERT,
    LIST_RECOMMENDATIONS,
    GET_ADS,
  ]),
  [ECOMM_VIEW_CART_ENTRY]: op("frontend", "GET /cart", 3, 0.4, 0.001, [SUPPORTED_CURRENCIES, GET_CART, LIST_RECOMMENDATIONS, GET_QUOTE, CONVERT]),
  [ECOMM_ADD_TO_CART_ENTRY]: op("frontend", "POST /cart", 3, 0.4, 0.002, [GET_PRODUCT, ADD_ITEM]),
  [ECOMM_CHECKOUT_ENTRY]: op("frontend", "POST /cart/checkout", 5, 0.4, 0.002, [PLACE_ORDER]),
  [PLACE_ORDER]: op("checkout", "hipstershop.CheckoutService/PlaceOrder", 6, 0.5, 0.003, [
    GET_CART,
    GET_PRODUCT,
    CONVERT,
    GET_QUOTE,
    CHARGE,
    SHIP_ORDER,
    EMPTY_CART,
    SEND_CONFIRMATION,
  ]),
  [GET_CART]: op("cart", "hipstershop.CartService/GetCart", 2, 0.5, 0.001),
  [ADD_ITEM]: op("cart", "hipstershop.CartService/AddItem", 3, 0.5, 0.002),
  [EMPTY_CART]: op("cart", "hipstershop.CartService/EmptyCart", 2, 0.5, 0.001),
  [LIST_PRODUCTS]: op("productcatalog", "hipstershop.ProductCatalogService/ListProducts", 1.5, 0.4, 0.0005),
  [GET_PRODUCT]: op("productcatalog", "hipstershop.ProductCatalogService/GetProduct", 1, 0.4, 0.0005),
  [SUPPORTED_CURRENCIES]: op("currency", "hipstershop.CurrencyService/GetSupportedCurrencies", 0.8, 0.3, 0.0005),
  [CONVERT]: op("currency", "hipstershop.CurrencyService/Convert", 0.8, 0.3, 0.0005),
  [CHARGE]: op("payment", "hipstershop.PaymentService/Charge", 25, 0.8, 0.02, [], 402),
  [GET_QUOTE]: op("shipping", "hipstershop.ShippingService/GetQuote", 1.5, 0.4, 0.001),
  [SHIP_ORDER]: op("shipping", "hipstershop.ShippingService/ShipOrder", 4, 0.5, 0.002),
  [SEND_CONFIRMATION]: op("email", "hipstershop.EmailService/SendOrderConfirmation", 15, 0.9, 0.01, [], 503),
  [LIST_RECOMMENDATIONS]: op("recommendation", "hipstershop.RecommendationService/ListRecommendations", 6, 0.6, 0.002, [LIST_PRODUCTS]),
  [GET_ADS]: op("ad", "hipstershop.AdService/GetAds", 3, 0.6, 0.002),
};

export const ECOMM_MODEL: ServiceModel = Object.freeze({
  namespace: ECOMM_NAMESPACE,
  services: ECOMM_SERVICES,
  operations: Object.freeze(operations),
  entries: Object.freeze([
    { operation: ECOMM_HOME_ENTRY, weight: 40 },
    { operation: ECOMM_PRODUCT_ENTRY, weight: 30 },
    { operation: ECOMM_VIEW_CART_ENTRY, weight: 12 },
    { operation: ECOMM_ADD_TO_CART_ENTRY, weight: 12 },
    { operation: ECOMM_CHECKOUT_ENTRY, weight: 6 },
  ]),
});
