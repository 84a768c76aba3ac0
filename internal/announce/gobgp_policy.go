package announce

import (
	"context"
	"fmt"

	api "github.com/osrg/gobgp/v4/api"
)

// Names of the GoBGP defined sets and policy the speaker installs.
const (
	policyImport   = "anycloud-import"
	policyExport   = "anycloud-export"
	prefixSetName4 = "anycloud-service4"
	prefixSetName6 = "anycloud-service6"
)

// installPolicy makes the embedded speaker a pure originator, before any
// peer is added so that no session ever runs without it:
//
//   - import: only routes originated here (route type local) are accepted;
//     the default is REJECT. GoBGP runs the global import policy on its own
//     AddPath routes too, hence the one statement. Nothing a peer sends
//     enters the global RIB, so nothing can be passed on to another peer.
//     GoBGP still holds what a peer sent in its Adj-RIB-In, marked
//     rejected; Peer.MaxPrefixes bounds that.
//   - export: only routes originated here (route type local) whose prefix is
//     exactly a configured service prefix are accepted; the default is
//     REJECT. Even if a learned route reached the RIB, it would not leave.
func (g *gobgpSpeaker) installPolicy(ctx context.Context) error {
	sets := servicePrefixSets(g.cfg.Prefixes)
	var statements []*api.Statement
	for _, set := range sets {
		if err := g.srv.AddDefinedSet(ctx, &api.AddDefinedSetRequest{DefinedSet: set}); err != nil {
			return fmt.Errorf("adding prefix set %s: %w", set.Name, err)
		}
		statements = append(statements, &api.Statement{
			Name: "accept-" + set.Name,
			Conditions: &api.Conditions{
				PrefixSet: &api.MatchSet{Type: api.MatchSet_TYPE_ANY, Name: set.Name},
				RouteType: api.Conditions_ROUTE_TYPE_LOCAL,
			},
			Actions: &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
		})
	}
	local := &api.Policy{Name: policyImport, Statements: []*api.Statement{{
		Name:       "accept-local",
		Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_LOCAL},
		Actions:    &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
	}}}
	export := &api.Policy{Name: policyExport, Statements: statements}
	for _, p := range []*api.Policy{local, export} {
		if err := g.srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: p}); err != nil {
			return fmt.Errorf("adding policy %s: %w", p.Name, err)
		}
	}
	assignments := []*api.PolicyAssignment{
		{Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_IMPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
			Policies: []*api.Policy{{Name: policyImport}}},
		{Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_EXPORT, DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
			Policies: []*api.Policy{{Name: policyExport}}},
	}
	for _, a := range assignments {
		if err := g.srv.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: a}); err != nil {
			return fmt.Errorf("assigning %s policy: %w", a.Direction, err)
		}
	}
	return nil
}

// servicePrefixSets returns one prefix set per family (GoBGP keeps a set to
// one family), each prefix matched at its own length only.
func servicePrefixSets(prefixes []Prefix) []*api.DefinedSet {
	var v4, v6 []*api.Prefix
	for _, p := range prefixes {
		bits := uint32(p.Prefix.Bits())
		ap := &api.Prefix{IpPrefix: p.Prefix.Masked().String(), MaskLengthMin: bits, MaskLengthMax: bits}
		if prefixFamily(p.Prefix) == IPv6 {
			v6 = append(v6, ap)
		} else {
			v4 = append(v4, ap)
		}
	}
	var out []*api.DefinedSet
	if len(v4) > 0 {
		out = append(out, &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_PREFIX, Name: prefixSetName4, Prefixes: v4})
	}
	if len(v6) > 0 {
		out = append(out, &api.DefinedSet{DefinedType: api.DefinedType_DEFINED_TYPE_PREFIX, Name: prefixSetName6, Prefixes: v6})
	}
	return out
}
