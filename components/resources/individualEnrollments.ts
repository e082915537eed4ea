/**
 * The stack's individual enrollments: one resource per device, attested by the device's own certificate (and its
 * next one, while it rolls), waiting for nothing but the DPS.
 */
import * as pulumi from "@pulumi/pulumi";
import type { IndividualEnrollmentConfig } from "../config";
import { adopts } from "../adoption/importIds";
import { enrollmentFieldsOf, type DpsService } from "./dpsEnrollments";
import { IndividualEnrollment } from "./individualEnrollment";

export function declareIndividualEnrollments(
  parent: pulumi.Resource,
  name: string,
  enrollments: IndividualEnrollmentConfig[],
  context: {
    hubHostName: (hubName: string) => pulumi.Input<string>;
    service: DpsService;
    dependsOn: pulumi.Input<pulumi.Resource>[];
    adoptExisting?: boolean;
  },
): Map<string, IndividualEnrollment> {
  const declared = new Map<string, IndividualEnrollment>();
  for (const enrollment of enrollments) {
    declared.set(
      enrollment.registrationId,
      new IndividualEnrollment(
        `${name}-enrollment-${enrollment.registrationId}`,
        {
          registrationId: enrollment.registrationId,
          deviceId: enrollment.deviceId,
          certificatePem: enrollment.certificatePem,
          secondaryCertificatePem: enrollment.secondaryCertificatePem,
          ...enrollmentFieldsOf(enrollment, context.hubHostName),
          ...(adopts(context.adoptExisting, enrollment.adopt) ? { adopt: true } : {}),
          ...context.service,
        },
        { parent, dependsOn: context.dependsOn },
      ),
    );
  }
  return declared;
}
