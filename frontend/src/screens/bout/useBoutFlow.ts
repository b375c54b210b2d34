/**
 * The bout page's data: the bout view, what the last prepares returned (per phase), and the
 * operations that move it along. Every state change comes from the service's answer; the page
 * reloads the bout after each operation instead of guessing the new state.
 */

import { useCallback, useEffect, useState } from "react";
import type {
  BoutView,
  ClaimOut,
  EscrowKind,
  PreparedEscrow,
  PreparedPayout,
  ReconcileOut,
  ShowKind,
  SigningStatus,
} from "../../api/client";
import {
  emptyPhase,
  loadPhase,
  mergePrepared,
  savePhase,
  sessionGeneration,
  type Phase,
  type PhaseState,
} from "../../lib/preparedStore";
import { useSession } from "../../session";

export interface ReportedOutcome {
  status: SigningStatus;
  txHash?: string;
}

export function useBoutFlow(boutId: string) {
  const { api } = useSession();
  // What this page prepares belongs to the session it was opened in (see preparedStore).
  const [generation] = useState(sessionGeneration);
  const [bout, setBout] = useState<BoutView | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [escrowPhase, setEscrowPhase] = useState<PhaseState<PreparedEscrow>>(() =>
    loadPhase(boutId, "escrows"),
  );
  const [payoutPhase, setPayoutPhase] = useState<PhaseState<PreparedPayout>>(() =>
    loadPhase(boutId, "payouts"),
  );
  const [claimPhase, setClaimPhase] = useState<PhaseState<ClaimOut>>(() =>
    loadPhase(boutId, "claims"),
  );
  const [version, setVersion] = useState(0);

  const reload = useCallback(async () => {
    try {
      const fresh = await api.bout(boutId);
      setBout(fresh);
      setLoadError(null);
      setVersion((value) => value + 1);
      return fresh;
    } catch (error) {
      setLoadError(error);
      return null;
    }
  }, [api, boutId]);

  // The page is keyed by bout id, so this state always belongs to `boutId`.
  useEffect(() => {
    void reload();
  }, [reload]);
  useEffect(() => {
    savePhase(boutId, "escrows", escrowPhase, { generation });
  }, [boutId, escrowPhase, generation]);
  useEffect(() => {
    savePhase(boutId, "payouts", payoutPhase, { generation });
  }, [boutId, payoutPhase, generation]);

  useEffect(() => {
    savePhase(boutId, "claims", claimPhase, { generation });
  }, [boutId, claimPhase, generation]);

  const prepareEscrows = useCallback(async () => {
    const answer = await api.prepareEscrows(boutId);
    setEscrowPhase((current) => mergePrepared(current, answer.escrows));
    await reload();
    return answer;
  }, [api, boutId, reload]);

  const preparePayouts = useCallback(async () => {
    const answer = await api.preparePayouts(boutId);
    setPayoutPhase((current) => mergePrepared(current, answer.escrows));
    await reload();
    return answer;
  }, [api, boutId, reload]);

  /** Withdraw the draft for good; on a refusal the page catches up with the service's view. */
  const withdraw = useCallback(async () => {
    try {
      const withdrawn = await api.withdrawBout(boutId);
      setBout(withdrawn);
      setVersion((value) => value + 1);
      // Its sign requests are withdrawn: the prepared EscrowCreates are of no further use.
      setEscrowPhase(emptyPhase());
      return withdrawn;
    } catch (error) {
      await reload();
      throw error;
    }
  }, [api, boutId, reload]);

  /** A fighter's sign request for their show purse; on a refusal the page catches up. */
  const claim = useCallback(
    async (kind: ShowKind) => {
      try {
        const answer = await api.claimShowPurse(boutId, kind);
        setClaimPhase((current) => mergePrepared(current, [answer]));
        return answer;
      } catch (error) {
        await reload();
        throw error;
      }
    },
    [api, boutId, reload],
  );

  /** Ask the service what became of a sign request (stub mode: tell it what happened). */
  const reconcile = useCallback(
    async (
      phase: Phase,
      kind: EscrowKind,
      payloadId: string,
      observed?: ReportedOutcome,
    ): Promise<ReconcileOut> => {
      const body = {
        escrow_kind: kind,
        payload_id: payloadId,
        ...(observed ? { observed_status: observed.status } : {}),
        ...(observed?.txHash ? { observed_tx_hash: observed.txHash } : {}),
      };
      const answer =
        phase === "escrows"
          ? await api.reconcileEscrowSigning(boutId, body)
          : await api.reconcilePayoutSigning(boutId, body);
      const txHash = answer.tx_hash;
      if (txHash) {
        const remember = <T>(current: PhaseState<T>): PhaseState<T> => ({
          ...current,
          signedHashes: { ...current.signedHashes, [answer.payload_id]: txHash },
        });
        if (phase === "escrows") setEscrowPhase(remember);
        else setPayoutPhase(remember);
      }
      await reload();
      return answer;
    },
    [api, boutId, reload],
  );

  return {
    bout,
    loadError,
    version,
    reload,
    escrowPhase,
    payoutPhase,
    claimPhase,
    claim,
    prepareEscrows,
    preparePayouts,
    reconcile,
    withdraw,
  };
}

export type BoutFlow = ReturnType<typeof useBoutFlow>;
