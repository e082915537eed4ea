/**
 * The stack's individual enrollments: one resource per device, each waiting for the proof of the CA it references
 * (a CA reference) or for nothing but the DPS (a device certificate held in the enrollment).
 */
import * as pulumi from "@pulumi/pulumi";
import type { IndividualEnrollmentConfig } from "../config";
import { adopts } from "../adoption/importIds";
import { enrollmentFieldsOf, type DpsService } from "./dpsEnrollments";
import { IndividualEnrollment } from "./individualEnrollment";
import type { VerifiedCaCertificate } from "./verifiedCaCertificate";

export function declareIndividualEnrollments(
  parent: pulumi.Resource,
  name: string,
  enrollments: IndividualEnrollmentConfig[],
  context: {
    verifiedCas: Map<string, VerifiedCaCertificate>;
    hubHostName: (hubName: string) => pulumi.Input<string>;
    service: DpsService;
    dependsOn: pulumi.Input<pulumi.Resource>[];
    adoptExisting?: boolean;
  },
): Map<string, IndividualEnrollment> {
  const declared = new Map<string, IndividualEnrollment>();
  for (const enrollment of enrollments) {
    const verification = enrollment.caName === undefined ? [] : [context.verifiedCas.get(enrollment.caName)!.ready];
    declared.set(
      enrollment.registrationId,
      new IndividualEnrollment(
        `${name}-enrollment-${enrollment.registrationId}`,
        {
          registrationId: enrollment.registrationId,
          deviceId: enrollment.deviceId,
          certificatePem: enrollment.certificatePem,
          caName: enrollment.caName,
          ...enrollmentFieldsOf(enrollment, context.hubHostName),
          ...(adopts(context.adoptExisting, enrollment.adopt) ? { adopt: true } : {}),
          ...context.service,
        },
        { parent, dependsOn: [...verification, ...context.dependsOn] },
      ),
    );
  }
  return declared;
}
