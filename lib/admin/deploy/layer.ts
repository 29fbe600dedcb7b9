/**
 * Step 5 of `lambda deploy`: the Deno runtime layer. A version whose
 * description matches is reused; otherwise one is published.
 *
 * @module
 */
import {
  paginateListLayerVersions,
  PublishLayerVersionCommand,
} from "@aws-sdk/client-lambda";
import type { Plan } from "../../plan.ts";
import { awsCall, type AwsClients, awsListAll } from "../aws.ts";
import type { LayerSource } from "../deno_layer.ts";
import { FUNCTION_SETTINGS } from "./function.ts";
import { Later } from "./later.ts";

/**
 * Plans the layer; returns its version's ARN, known now when a matching
 * version exists, else set when the publishing step runs.
 */
export async function planLayer(
  plan: Plan,
  clients: AwsClients,
  layerName: string,
  layer: LayerSource,
): Promise<Later<string>> {
  const existing = await findLayerVersion(
    clients,
    layerName,
    layer.description,
  );
  if (existing) {
    plan.unchanged.push(`layer ${existing} (${layer.description})`);
    return Later.of("the layer version", existing);
  }
  const arn = Later.pending<string>("the new layer version");
  plan.steps.push({
    call: "lambda:PublishLayerVersion",
    target: `layer ${layerName}`,
    details: [
      `content: ${layer.origin}`,
      `description: ${layer.description}`,
    ],
    run: async () => {
      const zip = await layer.zip();
      const out = await awsCall(
        `publishing layer ${layerName}`,
        "lambda:PublishLayerVersion",
        () =>
          clients.lambda.send(
            new PublishLayerVersionCommand({
              LayerName: layerName,
              Description: layer.description,
              Content: { ZipFile: zip },
              CompatibleRuntimes: [FUNCTION_SETTINGS.Runtime],
              CompatibleArchitectures: [FUNCTION_SETTINGS.Architecture],
            }),
          ),
      );
      arn.set(out.LayerVersionArn!);
    },
  });
  return arn;
}

/** The ARN of the newest layer version with this description, if any. */
async function findLayerVersion(
  clients: AwsClients,
  layerName: string,
  description: string,
): Promise<string | undefined> {
  const versions = await awsListAll(
    `listing the versions of layer ${layerName}`,
    "lambda:ListLayerVersions",
    paginateListLayerVersions({ client: clients.lambda }, {
      LayerName: layerName,
    }),
    (page) => page.LayerVersions,
  );
  let found: { version: number; arn: string } | undefined;
  for (const v of versions) {
    if (
      v.Description === description && v.LayerVersionArn &&
      (v.Version ?? 0) > (found?.version ?? -1)
    ) found = { version: v.Version ?? 0, arn: v.LayerVersionArn };
  }
  return found?.arn;
}
