/** The EC certificate builder the Device Registry test servers use (it lives with the product code that signs ICAs). */
export * from "../components/deviceRegistry/ecCertificate";
