import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/** The secrets the functions read: the key ring that signs subscriber links, and the salt of address hashes. */
export class Secrets {
  readonly signingKeys: Secret;
  readonly privacySalt: Secret;

  constructor(scope: Construct) {
    // The key ring that signs subscriber links: { current, <kid>: <secret> }. Rotate by adding a key
    // and pointing `current` at it; older links verify until their key is removed.
    this.signingKeys = new Secret(scope, 'SigningKeys', {
      description: 'HMAC keys for subscriber links (unsubscribe, preferences, confirmation)',
      generateSecretString: { secretStringTemplate: JSON.stringify({ current: 'k1' }), generateStringKey: 'k1', passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.signingKeys).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'Rotation adds a key id beside the old one (links already sent must keep verifying); an operator rotates by editing the key ring, which single-value automatic rotation cannot do.',
    });

    // Addresses are kept as HMACs under this salt where the address itself must not be (suppressions
    // outliving an erasure). Never rotated: a new salt would stop old hashes from matching.
    this.privacySalt = new Secret(scope, 'PrivacySalt', {
      description: 'Salt of one-way address hashes (suppression list, erased leads)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.privacySalt).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason: 'The salt must never change, or suppressed and erased addresses would stop matching their hashes.',
    });
  }
}
