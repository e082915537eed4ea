/**
 * Azure regions, by their canonical (programmatic) names: `name` in `az account list-locations`, the form ARM and
 * azure-native take (`westeurope`, not `West Europe`). Adding a region is one line in the list below.
 * Source: `az account list-locations --query "[].name"` (public cloud), plus the sovereign clouds' regions
 * (Azure Government: learn.microsoft.com/azure/azure-government/documentation-government-get-started-connect-with-cli;
 * Azure China 21Vianet: learn.microsoft.com/azure/china/resources-developer-guide).
 */
const REGION_LIST = `
australiacentral
australiacentral2
australiaeast
australiasoutheast
austriaeast
belgiumcentral
brazilsouth
brazilsoutheast
canadacentral
canadaeast
centralindia
centralus
centraluseuap
chilecentral
denmarkeast
eastasia
eastus
eastus2
eastus2euap
francecentral
francesouth
germanynorth
germanywestcentral
indonesiacentral
israelcentral
italynorth
japaneast
japanwest
jioindiacentral
jioindiawest
koreacentral
koreasouth
malaysiawest
mexicocentral
newzealandnorth
northcentralus
northeurope
norwayeast
norwaywest
polandcentral
qatarcentral
southafricanorth
southafricawest
southcentralus
southeastasia
southindia
spaincentral
swedencentral
swedensouth
switzerlandnorth
switzerlandwest
taiwannorth
uaecentral
uaenorth
uksouth
ukwest
westcentralus
westeurope
westindia
westus
westus2
westus3
usgovarizona
usgovtexas
usgovvirginia
usdodcentral
usdodeast
chinaeast
chinaeast2
chinaeast3
chinanorth
chinanorth2
chinanorth3
`;

/** Every known region, canonical name. */
export const AZURE_REGIONS: readonly string[] = REGION_LIST.split("\n").map((line) => line.trim()).filter(Boolean);

const KNOWN = new Set(AZURE_REGIONS);

export function isAzureRegion(name: string): boolean {
  return KNOWN.has(name);
}

/** `West Europe`, `west-europe`, `WestEurope` → `westeurope`: how a display name maps to the canonical one. */
export function canonicalRegionName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The name's words in every order, joined (`europe-west1` → `europewest1`, `west1europe`): other clouds' order. */
function wordOrders(name: string): string[] {
  const words = name.toLowerCase().split(/[\s_-]+/).filter(Boolean).slice(0, 4);
  if (words.length < 2) return [canonicalRegionName(name)];
  const orders: string[] = [];
  const permute = (rest: string[], done: string[]) => {
    if (!rest.length) orders.push(done.join(""));
    rest.forEach((word, i) => permute([...rest.slice(0, i), ...rest.slice(i + 1)], [...done, word]));
  };
  permute(words, []);
  return orders;
}

/** The few known regions closest to a name (by edit distance of the canonical forms, words in any order), closest first. */
export function closestRegions(name: string, count = 3): string[] {
  const candidates = wordOrders(name);
  return [...AZURE_REGIONS]
    .map((region) => ({ region, distance: Math.min(...candidates.map((candidate) => editDistance(candidate, region))) }))
    .sort((a, b) => a.distance - b.distance || a.region.localeCompare(b.region))
    .slice(0, count)
    .map(({ region }) => region);
}
