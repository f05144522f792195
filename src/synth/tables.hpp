// The facts the synthetic universe is drawn from: NUCC taxonomies with their shares among
// Medicare-billing NPIs and their roles in the shared-patient network, U.S. states with their
// populations and ZIP prefixes, and for every kind of practice the real CPT / HCPCS / ICD-10 codes
// it bills with typical weekly volumes. Shares and rates are rounded, plausible magnitudes (not a
// fit to any one year's files): they give the generator realistic shapes, not real providers.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "io/universe.hpp"

namespace signalrank::synth {

// ---- codes ----------------------------------------------------------------------------------

enum class Season : std::uint8_t { Flat, Flu };  // Flu: vaccines, peaking in October

// One code a kind of practice bills. `rate`: weekly administrations of a median provider who bills
// it; `share`: the fraction of such providers who bill it at all; `repeat`: the part of a week's
// administrations that go to a patient already counted that week; `units`: billing units per
// administration (J-codes bill the dose in units, so services can be far above patients).
struct CodeUse {
  CodeSystem system;
  const char* code;  // as published, without dots
  double rate;
  double share;
  double repeat;
  std::uint16_t units;
  Season season;
};

constexpr CodeSystem CPT = CodeSystem::CPT, HCPCS = CodeSystem::HCPCS, ICD = CodeSystem::ICD10;
constexpr Season Flat = Season::Flat, Flu = Season::Flu;

// Primary care office practice (family and internal medicine, NPs, PAs, clinics).
constexpr CodeUse kPrimaryCare[] = {
    {CPT, "99212", 1.5, 0.60, 0.02, 1, Flat},   {CPT, "99213", 9.0, 0.97, 0.02, 1, Flat},
    {CPT, "99214", 11.0, 0.97, 0.02, 1, Flat},  {CPT, "99215", 2.0, 0.70, 0.02, 1, Flat},
    {CPT, "99203", 0.8, 0.60, 0.0, 1, Flat},    {CPT, "99204", 0.9, 0.60, 0.0, 1, Flat},
    {HCPCS, "G2211", 6.0, 0.60, 0.02, 1, Flat}, {HCPCS, "G0439", 1.2, 0.60, 0.0, 1, Flat},
    {HCPCS, "G0438", 0.25, 0.40, 0.0, 1, Flat}, {CPT, "99497", 0.25, 0.30, 0.0, 1, Flat},
    {CPT, "36415", 3.0, 0.50, 0.05, 1, Flat},   {CPT, "93000", 0.8, 0.50, 0.0, 1, Flat},
    {CPT, "83036", 1.2, 0.40, 0.0, 1, Flat},    {HCPCS, "J1030", 0.25, 0.20, 0.0, 1, Flat},
    {HCPCS, "J3301", 0.3, 0.25, 0.0, 4, Flat},  {HCPCS, "J3420", 0.3, 0.15, 0.1, 1, Flat},
    {ICD, "I10", 8.0, 0.90, 0.02, 1, Flat},     {ICD, "E119", 4.0, 0.85, 0.02, 1, Flat},
    {ICD, "E785", 4.0, 0.80, 0.02, 1, Flat},    {ICD, "Z0000", 0.8, 0.50, 0.0, 1, Flat},
    {ICD, "J449", 0.8, 0.50, 0.02, 1, Flat},    {ICD, "F329", 0.8, 0.40, 0.02, 1, Flat},
    {ICD, "M5450", 0.7, 0.40, 0.02, 1, Flat},   {ICD, "N1830", 0.6, 0.40, 0.02, 1, Flat},
};
constexpr CodeUse kFluShots[] = {
    {CPT, "90662", 2.5, 0.45, 0.0, 1, Flu},
    {HCPCS, "G0008", 2.5, 0.45, 0.0, 1, Flu},
    {ICD, "Z23", 2.5, 0.45, 0.0, 1, Flu},
};
constexpr CodeUse kSpecialistOffice[] = {
    {CPT, "99203", 0.8, 0.70, 0.0, 1, Flat},    {CPT, "99204", 1.5, 0.85, 0.0, 1, Flat},
    {CPT, "99205", 0.5, 0.50, 0.0, 1, Flat},    {CPT, "99213", 3.0, 0.85, 0.02, 1, Flat},
    {CPT, "99214", 5.0, 0.90, 0.02, 1, Flat},   {CPT, "99215", 1.2, 0.60, 0.02, 1, Flat},
    {HCPCS, "G2211", 2.0, 0.40, 0.02, 1, Flat},
};
constexpr CodeUse kHospitalVisits[] = {
    {CPT, "99221", 0.4, 0.50, 0.0, 1, Flat}, {CPT, "99222", 0.6, 0.60, 0.0, 1, Flat},
    {CPT, "99223", 0.8, 0.70, 0.0, 1, Flat}, {CPT, "99231", 1.0, 0.60, 0.3, 1, Flat},
    {CPT, "99232", 3.0, 0.80, 0.4, 1, Flat}, {CPT, "99233", 1.5, 0.70, 0.4, 1, Flat},
    {CPT, "99238", 0.6, 0.60, 0.0, 1, Flat}, {CPT, "99239", 0.8, 0.60, 0.0, 1, Flat},
    {ICD, "A419", 0.8, 0.60, 0.1, 1, Flat},  {ICD, "J189", 1.0, 0.70, 0.1, 1, Flat},
    {ICD, "N179", 0.8, 0.60, 0.1, 1, Flat},  {ICD, "I509", 1.0, 0.70, 0.1, 1, Flat},
};
constexpr CodeUse kEmergency[] = {
    {CPT, "99283", 3.0, 0.90, 0.0, 1, Flat}, {CPT, "99284", 6.0, 0.95, 0.0, 1, Flat},
    {CPT, "99285", 6.0, 0.95, 0.0, 1, Flat}, {CPT, "99291", 0.8, 0.70, 0.0, 1, Flat},
    {CPT, "93010", 4.0, 0.70, 0.0, 1, Flat}, {ICD, "R079", 2.0, 0.85, 0.0, 1, Flat},
    {ICD, "R109", 1.5, 0.85, 0.0, 1, Flat},  {ICD, "S0990XA", 1.0, 0.70, 0.0, 1, Flat},
    {ICD, "J189", 1.0, 0.70, 0.0, 1, Flat},  {ICD, "N390", 1.2, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kCardiology[] = {
    {CPT, "93000", 3.0, 0.80, 0.0, 1, Flat},  {CPT, "93010", 6.0, 0.70, 0.0, 1, Flat},
    {CPT, "93306", 4.0, 0.85, 0.0, 1, Flat},  {CPT, "93350", 0.6, 0.40, 0.0, 1, Flat},
    {CPT, "93015", 0.6, 0.40, 0.0, 1, Flat},  {CPT, "93016", 0.8, 0.30, 0.0, 1, Flat},
    {CPT, "78452", 1.2, 0.35, 0.0, 1, Flat},  {CPT, "93224", 0.4, 0.30, 0.0, 1, Flat},
    {CPT, "93880", 0.4, 0.20, 0.0, 1, Flat},  {ICD, "I10", 6.0, 0.90, 0.02, 1, Flat},
    {ICD, "I2510", 5.0, 0.90, 0.02, 1, Flat}, {ICD, "I4891", 3.0, 0.85, 0.02, 1, Flat},
    {ICD, "I509", 2.5, 0.85, 0.02, 1, Flat},  {ICD, "E785", 4.0, 0.85, 0.02, 1, Flat},
    {ICD, "R079", 1.2, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kCardiacCath[] = {
    {CPT, "93458", 1.2, 0.85, 0.0, 1, Flat}, {CPT, "92928", 0.7, 0.80, 0.0, 1, Flat},
    {CPT, "93454", 0.5, 0.60, 0.0, 1, Flat}, {CPT, "93459", 0.3, 0.50, 0.0, 1, Flat},
    {CPT, "93571", 0.3, 0.40, 0.0, 1, Flat}, {ICD, "I214", 0.6, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kElectrophysiology[] = {
    {CPT, "93656", 0.5, 0.80, 0.0, 1, Flat}, {CPT, "93653", 0.2, 0.60, 0.0, 1, Flat},
    {CPT, "33208", 0.3, 0.70, 0.0, 1, Flat}, {CPT, "33249", 0.1, 0.50, 0.0, 1, Flat},
    {CPT, "93280", 1.0, 0.70, 0.0, 1, Flat}, {CPT, "93294", 2.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kThoracicSurgery[] = {
    {CPT, "33533", 0.4, 0.80, 0.0, 1, Flat}, {CPT, "33518", 0.2, 0.60, 0.0, 1, Flat},
    {CPT, "33405", 0.3, 0.75, 0.0, 1, Flat}, {CPT, "33430", 0.1, 0.50, 0.0, 1, Flat},
    {CPT, "32663", 0.2, 0.60, 0.0, 1, Flat}, {CPT, "99024", 2.0, 0.60, 0.0, 1, Flat},
    {ICD, "I2510", 1.5, 0.85, 0.0, 1, Flat}, {ICD, "C3490", 0.4, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kVascularSurgery[] = {
    {CPT, "37224", 0.3, 0.60, 0.0, 1, Flat},  {CPT, "37225", 0.2, 0.50, 0.0, 1, Flat},
    {CPT, "37226", 0.2, 0.50, 0.0, 1, Flat},  {CPT, "37228", 0.2, 0.50, 0.0, 1, Flat},
    {CPT, "36475", 0.5, 0.50, 0.0, 1, Flat},  {CPT, "35301", 0.1, 0.60, 0.0, 1, Flat},
    {CPT, "93970", 1.0, 0.60, 0.0, 1, Flat},  {CPT, "93925", 0.8, 0.60, 0.0, 1, Flat},
    {ICD, "I739", 1.5, 0.85, 0.0, 1, Flat},   {ICD, "I70213", 0.8, 0.70, 0.0, 1, Flat},
    {ICD, "I872", 1.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kOrthopaedics[] = {
    {CPT, "27447", 0.5, 0.70, 0.0, 1, Flat},    {CPT, "27130", 0.3, 0.60, 0.0, 1, Flat},
    {CPT, "20610", 4.0, 0.90, 0.05, 1, Flat},   {CPT, "29881", 0.3, 0.50, 0.0, 1, Flat},
    {CPT, "73562", 2.5, 0.70, 0.0, 1, Flat},    {CPT, "73030", 1.0, 0.60, 0.0, 1, Flat},
    {HCPCS, "J3301", 2.0, 0.70, 0.0, 4, Flat},  {HCPCS, "J7325", 0.4, 0.30, 0.0, 48, Flat},
    {ICD, "M1711", 2.0, 0.85, 0.0, 1, Flat},    {ICD, "M1712", 1.8, 0.85, 0.0, 1, Flat},
    {ICD, "M1611", 0.8, 0.70, 0.0, 1, Flat},    {ICD, "M25561", 1.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kGeneralSurgery[] = {
    {CPT, "47562", 0.3, 0.70, 0.0, 1, Flat}, {CPT, "49505", 0.3, 0.70, 0.0, 1, Flat},
    {CPT, "49650", 0.2, 0.50, 0.0, 1, Flat}, {CPT, "19120", 0.2, 0.50, 0.0, 1, Flat},
    {CPT, "44970", 0.1, 0.50, 0.0, 1, Flat}, {CPT, "99024", 1.5, 0.60, 0.0, 1, Flat},
    {ICD, "K8020", 0.6, 0.80, 0.0, 1, Flat}, {ICD, "K4090", 0.6, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kAnesthesia[] = {
    {CPT, "00142", 2.0, 0.60, 0.0, 1, Flat}, {CPT, "00810", 2.0, 0.60, 0.0, 1, Flat},
    {CPT, "00812", 1.5, 0.50, 0.0, 1, Flat}, {CPT, "01402", 0.6, 0.50, 0.0, 1, Flat},
    {CPT, "00731", 1.2, 0.50, 0.0, 1, Flat}, {CPT, "00790", 0.5, 0.50, 0.0, 1, Flat},
    {CPT, "64447", 0.5, 0.40, 0.0, 1, Flat},
};
constexpr CodeUse kRadiology[] = {
    {CPT, "71046", 12.0, 0.90, 0.0, 1, Flat},  {CPT, "71045", 6.0, 0.80, 0.0, 1, Flat},
    {CPT, "74177", 4.0, 0.80, 0.0, 1, Flat},   {CPT, "70450", 4.0, 0.80, 0.0, 1, Flat},
    {CPT, "72148", 2.0, 0.70, 0.0, 1, Flat},   {CPT, "77067", 4.0, 0.60, 0.0, 1, Flat},
    {HCPCS, "G0279", 3.0, 0.50, 0.0, 1, Flat}, {CPT, "76700", 1.5, 0.70, 0.0, 1, Flat},
    {CPT, "71250", 2.5, 0.80, 0.0, 1, Flat},   {CPT, "70551", 1.5, 0.70, 0.0, 1, Flat},
    {CPT, "73721", 1.2, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kGastroenterology[] = {
    {CPT, "45378", 2.0, 0.90, 0.0, 1, Flat},   {CPT, "45385", 1.5, 0.85, 0.0, 1, Flat},
    {CPT, "45380", 1.5, 0.85, 0.0, 1, Flat},   {CPT, "43239", 1.5, 0.85, 0.0, 1, Flat},
    {HCPCS, "G0121", 0.6, 0.60, 0.0, 1, Flat}, {HCPCS, "G0105", 0.3, 0.50, 0.0, 1, Flat},
    {ICD, "K5730", 1.5, 0.80, 0.0, 1, Flat},   {ICD, "Z1211", 1.5, 0.80, 0.0, 1, Flat},
    {ICD, "K219", 1.5, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kPulmonology[] = {
    {CPT, "94010", 1.5, 0.70, 0.0, 1, Flat}, {CPT, "94060", 1.5, 0.70, 0.0, 1, Flat},
    {CPT, "94729", 1.2, 0.60, 0.0, 1, Flat}, {CPT, "94618", 1.0, 0.60, 0.0, 1, Flat},
    {CPT, "31624", 0.2, 0.40, 0.0, 1, Flat}, {ICD, "J449", 3.0, 0.90, 0.0, 1, Flat},
    {ICD, "J45909", 1.0, 0.70, 0.0, 1, Flat}, {ICD, "G4733", 1.2, 0.70, 0.0, 1, Flat},
    {ICD, "R0602", 1.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kNephrology[] = {
    {CPT, "90960", 1.5, 0.80, 0.0, 1, Flat}, {CPT, "90961", 0.6, 0.60, 0.0, 1, Flat},
    {CPT, "90935", 2.0, 0.60, 0.3, 1, Flat}, {CPT, "90970", 0.4, 0.40, 0.0, 1, Flat},
    {ICD, "N184", 1.5, 0.85, 0.0, 1, Flat},  {ICD, "N186", 2.0, 0.85, 0.0, 1, Flat},
    {ICD, "I120", 1.5, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kEndocrinology[] = {
    {CPT, "95251", 0.8, 0.60, 0.0, 1, Flat}, {CPT, "95250", 0.3, 0.40, 0.0, 1, Flat},
    {CPT, "76536", 0.6, 0.50, 0.0, 1, Flat}, {ICD, "E119", 3.0, 0.90, 0.0, 1, Flat},
    {ICD, "E1165", 1.5, 0.80, 0.0, 1, Flat}, {ICD, "E039", 2.0, 0.85, 0.0, 1, Flat},
    {ICD, "E042", 0.6, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kOncology[] = {
    {CPT, "96413", 2.5, 0.85, 0.0, 1, Flat},     {CPT, "96415", 1.5, 0.70, 0.0, 1, Flat},
    {CPT, "96375", 2.0, 0.70, 0.0, 1, Flat},     {CPT, "96367", 1.0, 0.60, 0.0, 1, Flat},
    {HCPCS, "J9299", 0.5, 0.50, 0.0, 240, Flat}, {HCPCS, "J9271", 0.6, 0.55, 0.0, 200, Flat},
    {HCPCS, "J2506", 0.6, 0.60, 0.0, 12, Flat},  {HCPCS, "J0897", 0.6, 0.50, 0.0, 120, Flat},
    {HCPCS, "J9035", 0.3, 0.40, 0.0, 50, Flat},  {ICD, "C61", 1.0, 0.70, 0.0, 1, Flat},
    {ICD, "C50911", 1.2, 0.75, 0.0, 1, Flat},    {ICD, "C3490", 1.0, 0.70, 0.0, 1, Flat},
    {ICD, "D649", 1.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kDermatology[] = {
    {CPT, "17000", 5.0, 0.90, 0.0, 1, Flat},  {CPT, "17003", 12.0, 0.85, 0.0, 1, Flat},
    {CPT, "11102", 3.0, 0.85, 0.1, 1, Flat},  {CPT, "11104", 1.5, 0.70, 0.1, 1, Flat},
    {CPT, "17311", 0.8, 0.25, 0.0, 1, Flat},  {CPT, "17312", 0.6, 0.25, 0.0, 1, Flat},
    {ICD, "L570", 5.0, 0.90, 0.0, 1, Flat},   {ICD, "C44311", 0.6, 0.60, 0.0, 1, Flat},
    {ICD, "L821", 1.5, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kOphthalmology[] = {
    {CPT, "92014", 6.0, 0.90, 0.0, 1, Flat},  {CPT, "92012", 4.0, 0.85, 0.0, 1, Flat},
    {CPT, "92134", 4.0, 0.80, 0.0, 1, Flat},  {CPT, "66984", 1.2, 0.60, 0.0, 1, Flat},
    {CPT, "67028", 2.0, 0.35, 0.0, 1, Flat},  {HCPCS, "J0178", 1.2, 0.30, 0.0, 2, Flat},
    {HCPCS, "J2778", 0.6, 0.20, 0.0, 5, Flat}, {CPT, "92083", 1.5, 0.70, 0.0, 1, Flat},
    {ICD, "H2513", 3.0, 0.85, 0.0, 1, Flat},  {ICD, "H353211", 1.0, 0.50, 0.0, 1, Flat},
    {ICD, "H401131", 1.5, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kOptometry[] = {
    {CPT, "92014", 3.0, 0.90, 0.0, 1, Flat}, {CPT, "92012", 2.0, 0.80, 0.0, 1, Flat},
    {CPT, "92004", 0.8, 0.60, 0.0, 1, Flat}, {CPT, "92134", 0.8, 0.40, 0.0, 1, Flat},
    {CPT, "92083", 0.5, 0.40, 0.0, 1, Flat}, {ICD, "H2513", 1.5, 0.80, 0.0, 1, Flat},
    {ICD, "H5213", 1.5, 0.70, 0.0, 1, Flat}, {ICD, "H04123", 1.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kOtolaryngology[] = {
    {CPT, "31231", 1.5, 0.80, 0.0, 1, Flat}, {CPT, "92557", 1.5, 0.60, 0.0, 1, Flat},
    {CPT, "69210", 2.0, 0.80, 0.0, 1, Flat}, {CPT, "31575", 1.2, 0.70, 0.0, 1, Flat},
    {ICD, "J329", 1.2, 0.80, 0.0, 1, Flat},  {ICD, "H6121", 1.5, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kUrology[] = {
    {CPT, "51798", 3.0, 0.80, 0.0, 1, Flat},   {CPT, "52000", 1.5, 0.85, 0.0, 1, Flat},
    {CPT, "55700", 0.3, 0.50, 0.0, 1, Flat},   {HCPCS, "J9217", 0.6, 0.50, 0.0, 3, Flat},
    {CPT, "81001", 3.0, 0.60, 0.0, 1, Flat},   {ICD, "N401", 2.5, 0.90, 0.0, 1, Flat},
    {ICD, "C61", 1.5, 0.85, 0.0, 1, Flat},     {ICD, "R3915", 0.8, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kNeurology[] = {
    {CPT, "95886", 1.0, 0.50, 0.0, 1, Flat},    {CPT, "95910", 0.8, 0.50, 0.0, 1, Flat},
    {CPT, "95816", 0.6, 0.40, 0.0, 1, Flat},    {CPT, "64615", 0.4, 0.30, 0.0, 1, Flat},
    {HCPCS, "J0585", 0.4, 0.30, 0.0, 155, Flat}, {ICD, "G43909", 1.0, 0.80, 0.0, 1, Flat},
    {ICD, "G629", 1.0, 0.70, 0.0, 1, Flat},     {ICD, "G40909", 0.8, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kPsychiatry[] = {
    {CPT, "90833", 3.0, 0.70, 0.0, 1, Flat}, {CPT, "90792", 0.6, 0.60, 0.0, 1, Flat},
    {CPT, "90837", 1.5, 0.40, 0.0, 1, Flat}, {CPT, "90834", 1.0, 0.40, 0.0, 1, Flat},
    {CPT, "99214", 5.0, 0.85, 0.0, 1, Flat}, {ICD, "F329", 2.0, 0.85, 0.0, 1, Flat},
    {ICD, "F411", 1.5, 0.80, 0.0, 1, Flat},  {ICD, "F319", 1.0, 0.70, 0.0, 1, Flat},
    {ICD, "F200", 0.6, 0.50, 0.0, 1, Flat},
};
constexpr CodeUse kPsychotherapy[] = {
    {CPT, "90837", 6.0, 0.90, 0.0, 1, Flat}, {CPT, "90834", 3.0, 0.80, 0.0, 1, Flat},
    {CPT, "90832", 1.0, 0.50, 0.0, 1, Flat}, {CPT, "90791", 0.6, 0.80, 0.0, 1, Flat},
    {CPT, "96130", 0.3, 0.20, 0.0, 1, Flat}, {ICD, "F329", 2.0, 0.85, 0.0, 1, Flat},
    {ICD, "F411", 2.0, 0.85, 0.0, 1, Flat},  {ICD, "F4310", 0.8, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kPhysicalTherapy[] = {
    {CPT, "97110", 20.0, 0.95, 0.5, 1, Flat},  {CPT, "97140", 10.0, 0.85, 0.4, 1, Flat},
    {CPT, "97530", 8.0, 0.80, 0.4, 1, Flat},   {CPT, "97112", 5.0, 0.70, 0.4, 1, Flat},
    {CPT, "97161", 0.6, 0.80, 0.0, 1, Flat},   {CPT, "97162", 0.8, 0.80, 0.0, 1, Flat},
    {HCPCS, "G0283", 2.0, 0.50, 0.3, 1, Flat}, {CPT, "97116", 2.0, 0.50, 0.3, 1, Flat},
    {ICD, "M5450", 3.0, 0.80, 0.3, 1, Flat},   {ICD, "M25561", 2.0, 0.70, 0.3, 1, Flat},
    {ICD, "R262", 2.0, 0.70, 0.3, 1, Flat},
};
constexpr CodeUse kChiropractic[] = {
    {CPT, "98940", 10.0, 0.90, 0.3, 1, Flat}, {CPT, "98941", 6.0, 0.80, 0.3, 1, Flat},
    {CPT, "98942", 0.5, 0.30, 0.0, 1, Flat},  {ICD, "M9903", 8.0, 0.85, 0.3, 1, Flat},
    {ICD, "M5450", 3.0, 0.70, 0.3, 1, Flat},
};
constexpr CodeUse kPodiatry[] = {
    {CPT, "11721", 6.0, 0.90, 0.0, 1, Flat},   {CPT, "11055", 2.0, 0.70, 0.0, 1, Flat},
    {HCPCS, "G0127", 2.0, 0.60, 0.0, 1, Flat}, {CPT, "11042", 1.0, 0.60, 0.2, 1, Flat},
    {CPT, "11720", 1.0, 0.50, 0.0, 1, Flat},   {ICD, "B351", 4.0, 0.85, 0.0, 1, Flat},
    {ICD, "E1142", 2.0, 0.80, 0.0, 1, Flat},   {ICD, "L600", 1.0, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kPathology[] = {
    {CPT, "88305", 25.0, 0.95, 0.3, 1, Flat}, {CPT, "88312", 2.0, 0.60, 0.2, 1, Flat},
    {CPT, "88342", 3.0, 0.70, 0.2, 1, Flat},  {CPT, "88341", 2.0, 0.60, 0.2, 1, Flat},
    {CPT, "88307", 1.5, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kRadiationOncology[] = {
    {CPT, "77386", 8.0, 0.80, 0.9, 1, Flat}, {CPT, "77427", 2.0, 0.90, 0.0, 1, Flat},
    {CPT, "77412", 5.0, 0.50, 0.9, 1, Flat}, {CPT, "77300", 1.0, 0.70, 0.0, 1, Flat},
    {CPT, "77334", 1.0, 0.70, 0.0, 1, Flat}, {ICD, "C61", 2.0, 0.80, 0.5, 1, Flat},
    {ICD, "C50911", 2.0, 0.80, 0.5, 1, Flat},
};
constexpr CodeUse kRehabilitation[] = {
    {CPT, "95886", 1.5, 0.60, 0.0, 1, Flat}, {CPT, "64483", 1.0, 0.50, 0.0, 1, Flat},
    {CPT, "20610", 1.0, 0.50, 0.0, 1, Flat}, {CPT, "62323", 0.8, 0.40, 0.0, 1, Flat},
    {ICD, "M5416", 1.5, 0.80, 0.0, 1, Flat}, {ICD, "M5450", 1.5, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kRheumatology[] = {
    {HCPCS, "J1745", 0.5, 0.50, 0.0, 40, Flat}, {HCPCS, "J0129", 0.3, 0.40, 0.0, 75, Flat},
    {CPT, "96365", 1.0, 0.60, 0.0, 1, Flat},    {CPT, "20610", 1.0, 0.70, 0.0, 1, Flat},
    {ICD, "M0579", 2.0, 0.85, 0.0, 1, Flat},    {ICD, "M069", 1.5, 0.80, 0.0, 1, Flat},
    {ICD, "M109", 1.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kPediatrics[] = {
    {CPT, "99213", 0.6, 0.60, 0.0, 1, Flat}, {CPT, "99214", 0.4, 0.50, 0.0, 1, Flat},
    {CPT, "90471", 0.3, 0.30, 0.0, 1, Flat}, {ICD, "Z00129", 0.3, 0.40, 0.0, 1, Flat},
};
constexpr CodeUse kGynecology[] = {
    {HCPCS, "G0101", 1.5, 0.80, 0.0, 1, Flat}, {HCPCS, "Q0091", 1.0, 0.70, 0.0, 1, Flat},
    {CPT, "58558", 0.2, 0.40, 0.0, 1, Flat},   {CPT, "99213", 1.5, 0.80, 0.0, 1, Flat},
    {CPT, "99214", 1.2, 0.70, 0.0, 1, Flat},   {ICD, "N952", 0.8, 0.70, 0.0, 1, Flat},
    {ICD, "Z01419", 1.2, 0.80, 0.0, 1, Flat},
};
constexpr CodeUse kHospitalFacility[] = {
    {CPT, "99285", 6.0, 0.90, 0.0, 1, Flat},    {CPT, "99284", 6.0, 0.90, 0.0, 1, Flat},
    {HCPCS, "G0378", 4.0, 0.80, 0.0, 12, Flat}, {CPT, "93005", 6.0, 0.90, 0.0, 1, Flat},
    {CPT, "71046", 6.0, 0.90, 0.0, 1, Flat},    {CPT, "74177", 3.0, 0.85, 0.0, 1, Flat},
    {CPT, "70450", 3.0, 0.85, 0.0, 1, Flat},    {CPT, "96374", 4.0, 0.85, 0.1, 1, Flat},
    {CPT, "96365", 2.0, 0.80, 0.1, 1, Flat},    {HCPCS, "J1100", 3.0, 0.80, 0.1, 10, Flat},
    {HCPCS, "J2405", 4.0, 0.85, 0.1, 4, Flat},  {HCPCS, "J0696", 1.5, 0.70, 0.2, 4, Flat},
    {HCPCS, "J7030", 3.0, 0.80, 0.2, 1, Flat},  {CPT, "36415", 10.0, 0.90, 0.2, 1, Flat},
    {CPT, "85025", 10.0, 0.90, 0.2, 1, Flat},   {CPT, "80053", 8.0, 0.90, 0.2, 1, Flat},
    {CPT, "93306", 2.0, 0.70, 0.0, 1, Flat},    {ICD, "R079", 3.0, 0.85, 0.0, 1, Flat},
    {ICD, "A419", 1.0, 0.70, 0.1, 1, Flat},     {ICD, "I214", 0.6, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kLaboratory[] = {
    {CPT, "80053", 12.0, 0.90, 0.0, 1, Flat},   {CPT, "85025", 12.0, 0.90, 0.0, 1, Flat},
    {CPT, "83036", 6.0, 0.80, 0.0, 1, Flat},    {CPT, "80061", 8.0, 0.85, 0.0, 1, Flat},
    {CPT, "84443", 6.0, 0.80, 0.0, 1, Flat},    {CPT, "87086", 3.0, 0.70, 0.0, 1, Flat},
    {CPT, "81001", 3.0, 0.70, 0.0, 1, Flat},    {HCPCS, "G0480", 1.5, 0.40, 0.0, 1, Flat},
    {CPT, "36415", 10.0, 0.70, 0.0, 1, Flat},   {CPT, "82306", 4.0, 0.80, 0.0, 1, Flat},
    {CPT, "84153", 2.0, 0.70, 0.0, 1, Flat},
};
constexpr CodeUse kMedicalEquipment[] = {
    {HCPCS, "E0601", 2.0, 0.60, 0.0, 1, Flat},   {HCPCS, "A4253", 3.0, 0.60, 0.0, 2, Flat},
    {HCPCS, "E1390", 2.0, 0.50, 0.0, 1, Flat},   {HCPCS, "K0001", 0.3, 0.30, 0.0, 1, Flat},
    {HCPCS, "A7030", 1.0, 0.50, 0.0, 1, Flat},   {HCPCS, "A4239", 1.5, 0.40, 0.0, 1, Flat},
    {HCPCS, "E0431", 1.0, 0.50, 0.0, 1, Flat},
};
constexpr CodeUse kAmbulance[] = {
    {HCPCS, "A0425", 6.0, 0.95, 0.0, 12, Flat}, {HCPCS, "A0427", 3.0, 0.85, 0.0, 1, Flat},
    {HCPCS, "A0429", 2.0, 0.85, 0.0, 1, Flat},  {HCPCS, "A0428", 2.0, 0.80, 0.0, 1, Flat},
    {HCPCS, "A0426", 0.8, 0.60, 0.0, 1, Flat},
};
constexpr CodeUse kHomeHealth[] = {
    {HCPCS, "G0299", 6.0, 0.90, 0.5, 1, Flat}, {HCPCS, "G0151", 4.0, 0.80, 0.5, 1, Flat},
    {HCPCS, "G0152", 1.5, 0.60, 0.5, 1, Flat}, {HCPCS, "G0157", 2.0, 0.60, 0.5, 1, Flat},
    {HCPCS, "G0300", 1.5, 0.50, 0.5, 1, Flat},
};
constexpr CodeUse kNursingFacility[] = {
    {CPT, "97110", 12.0, 0.90, 0.6, 1, Flat}, {CPT, "97530", 10.0, 0.90, 0.6, 1, Flat},
    {CPT, "97140", 4.0, 0.70, 0.5, 1, Flat},  {CPT, "92507", 3.0, 0.70, 0.5, 1, Flat},
    {CPT, "97116", 3.0, 0.60, 0.5, 1, Flat},
};
constexpr CodeUse kSurgeryCenter[] = {
    {CPT, "66984", 4.0, 0.60, 0.0, 1, Flat}, {CPT, "45378", 4.0, 0.60, 0.0, 1, Flat},
    {CPT, "45385", 3.0, 0.60, 0.0, 1, Flat}, {CPT, "64483", 2.0, 0.50, 0.0, 1, Flat},
    {CPT, "62323", 1.5, 0.50, 0.0, 1, Flat}, {CPT, "29881", 1.0, 0.40, 0.0, 1, Flat},
};
constexpr CodeUse kPharmacy[] = {
    {CPT, "90662", 6.0, 0.80, 0.0, 1, Flu},   {HCPCS, "G0008", 6.0, 0.80, 0.0, 1, Flu},
    {HCPCS, "G0009", 0.8, 0.60, 0.0, 1, Flat}, {CPT, "90732", 0.3, 0.40, 0.0, 1, Flat},
    {CPT, "90677", 0.8, 0.60, 0.0, 1, Flat},
};

enum class Group : std::uint8_t {
  None, PrimaryCare, FluShots, SpecialistOffice, HospitalVisits, Emergency, Cardiology, CardiacCath,
  Electrophysiology, ThoracicSurgery, VascularSurgery, Orthopaedics, GeneralSurgery, Anesthesia,
  Radiology, Gastroenterology, Pulmonology, Nephrology, Endocrinology, Oncology, Dermatology,
  Ophthalmology, Optometry, Otolaryngology, Urology, Neurology, Psychiatry, Psychotherapy,
  PhysicalTherapy, Chiropractic, Podiatry, Pathology, RadiationOncology, Rehabilitation,
  Rheumatology, Pediatrics, Gynecology, HospitalFacility, Laboratory, MedicalEquipment, Ambulance,
  HomeHealth, NursingFacility, SurgeryCenter, Pharmacy, Count
};

constexpr std::span<const CodeUse> kGroups[] = {
    {},                 kPrimaryCare,     kFluShots,       kSpecialistOffice, kHospitalVisits,
    kEmergency,         kCardiology,      kCardiacCath,    kElectrophysiology, kThoracicSurgery,
    kVascularSurgery,   kOrthopaedics,    kGeneralSurgery, kAnesthesia,       kRadiology,
    kGastroenterology,  kPulmonology,     kNephrology,     kEndocrinology,    kOncology,
    kDermatology,       kOphthalmology,   kOptometry,      kOtolaryngology,   kUrology,
    kNeurology,         kPsychiatry,      kPsychotherapy,  kPhysicalTherapy,  kChiropractic,
    kPodiatry,          kPathology,       kRadiationOncology, kRehabilitation, kRheumatology,
    kPediatrics,        kGynecology,      kHospitalFacility, kLaboratory,     kMedicalEquipment,
    kAmbulance,         kHomeHealth,      kNursingFacility, kSurgeryCenter,   kPharmacy,
};
static_assert(std::size(kGroups) == static_cast<std::size_t>(Group::Count));

// ---- the campaign activity: transcatheter aortic valve replacement (TAVR) -------------------

// The codes planted adopters bill, with their share of an adopter's weekly TAVR level. C1889 is a
// facility device code, billed by organizations only.
struct CampaignCode {
  CodeSystem system;
  const char* code;
  double mix;            // services per unit of the adopter's level
  double background;     // the same for a steady background doer
  bool organizations_only;
};
constexpr CampaignCode kCampaignCodes[] = {
    {CPT, "33361", 1.00, 0.30, false}, {CPT, "33362", 0.03, 0.0, false},
    {CPT, "33363", 0.03, 0.0, false},  {CPT, "33364", 0.02, 0.0, false},
    {CPT, "33365", 0.03, 0.0, false},  {CPT, "33366", 0.02, 0.0, false},
    {CPT, "33367", 0.02, 0.0, false},  {CPT, "33368", 0.02, 0.0, false},
    {CPT, "33369", 0.02, 0.0, false},  {HCPCS, "C1889", 0.70, 0.2, true},
    {ICD, "I350", 1.20, 1.0, false},   {ICD, "I352", 0.10, 0.1, false},
    {ICD, "I359", 0.15, 0.1, false},
};
// The campaign file's code specs; they cover exactly kCampaignCodes.
constexpr const char* kCampaignSpecs[] = {"CPT:33361-33369", "ICD10:I35*", "HCPCS:C1889"};

// ---- NUCC taxonomies --------------------------------------------------------------------------

// `share`: among providers of the same entity type. `hub`: how strongly others refer to this kind
// (in-degree attractiveness); `out`: how many partners it refers to; `volume`: claims volume;
// `tavr`: propensity to take up the campaign activity (0 = never); `cardiac`: part of the
// cardiac referral circle, which refers within itself more often. `groups`: the code groups it
// bills; with `one_of`, a provider bills one of them, picked per provider.
struct TaxonomyInfo {
  const char* code;
  const char* name;  // NUCC display name
  std::uint8_t entity_type;
  double share, hub, out, volume, tavr;
  bool cardiac;
  std::array<Group, 4> groups;
  bool one_of = false;
};

using G = Group;
constexpr TaxonomyInfo kTaxonomies[] = {
    // individuals (entity type 1)
    {"363L00000X", "Nurse Practitioner", 1, 0.160, 0.6, 1.0, 0.6, 0.01, false, {G::PrimaryCare, G::FluShots}},
    {"363A00000X", "Physician Assistant", 1, 0.075, 0.7, 1.0, 0.5, 0.01, false, {G::PrimaryCare}},
    {"207Q00000X", "Family Medicine Physician", 1, 0.090, 1.2, 1.5, 1.0, 0.0, false, {G::PrimaryCare, G::FluShots}},
    {"207R00000X", "Internal Medicine Physician", 1, 0.090, 1.3, 1.6, 1.0, 0.01, false,
     {G::PrimaryCare, G::FluShots, G::HospitalVisits}},
    {"208M00000X", "Hospitalist Physician", 1, 0.015, 3.0, 1.8, 1.0, 0.0, false, {G::HospitalVisits}},
    {"207P00000X", "Emergency Medicine Physician", 1, 0.040, 3.0, 1.4, 1.0, 0.0, false, {G::Emergency}},
    {"207L00000X", "Anesthesiology Physician", 1, 0.040, 2.0, 0.8, 1.0, 0.03, false, {G::Anesthesia}},
    {"367500000X", "Certified Registered Nurse Anesthetist", 1, 0.040, 1.5, 0.6, 0.8, 0.0, false, {G::Anesthesia}},
    {"2085R0202X", "Diagnostic Radiology Physician", 1, 0.030, 6.0, 0.6, 1.2, 0.0, false, {G::Radiology}},
    {"207ZP0102X", "Anatomic Pathology & Clinical Pathology Physician", 1, 0.010, 4.0, 0.3, 1.0, 0.0, false,
     {G::Pathology}},
    {"207RC0000X", "Cardiovascular Disease Physician", 1, 0.022, 3.0, 1.3, 1.0, 0.45, true,
     {G::SpecialistOffice, G::Cardiology, G::HospitalVisits}},
    {"207RI0011X", "Interventional Cardiology Physician", 1, 0.006, 4.0, 1.1, 1.0, 1.0, true,
     {G::SpecialistOffice, G::Cardiology, G::CardiacCath}},
    {"207RC0001X", "Clinical Cardiac Electrophysiology Physician", 1, 0.003, 3.0, 1.0, 1.0, 0.15, true,
     {G::SpecialistOffice, G::Electrophysiology}},
    {"208G00000X", "Thoracic Surgery (Cardiothoracic Vascular Surgery) Physician", 1, 0.004, 3.0, 0.9, 1.0, 0.9,
     true, {G::SpecialistOffice, G::ThoracicSurgery}},
    {"2086S0129X", "Vascular Surgery Physician", 1, 0.003, 2.5, 1.0, 1.0, 0.2, true,
     {G::SpecialistOffice, G::VascularSurgery}},
    {"207X00000X", "Orthopaedic Surgery Physician", 1, 0.020, 2.0, 1.0, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Orthopaedics}},
    {"208600000X", "Surgery Physician", 1, 0.020, 2.0, 1.0, 1.0, 0.0, false, {G::SpecialistOffice, G::GeneralSurgery}},
    {"207V00000X", "Obstetrics & Gynecology Physician", 1, 0.020, 1.0, 0.8, 0.6, 0.0, false, {G::Gynecology}},
    {"208000000X", "Pediatrics Physician", 1, 0.010, 0.5, 0.5, 0.3, 0.0, false, {G::Pediatrics}},
    {"2084P0800X", "Psychiatry Physician", 1, 0.025, 0.5, 0.4, 0.8, 0.0, false, {G::Psychiatry}},
    {"2084N0400X", "Neurology Physician", 1, 0.013, 1.5, 1.0, 1.0, 0.0, false, {G::SpecialistOffice, G::Neurology}},
    {"207RG0100X", "Gastroenterology Physician", 1, 0.013, 2.0, 1.0, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Gastroenterology}},
    {"207RP1001X", "Pulmonary Disease Physician", 1, 0.010, 2.0, 1.2, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Pulmonology, G::HospitalVisits}},
    {"207RN0300X", "Nephrology Physician", 1, 0.008, 1.5, 1.0, 1.0, 0.0, false, {G::SpecialistOffice, G::Nephrology}},
    {"207RE0101X", "Endocrinology, Diabetes & Metabolism Physician", 1, 0.006, 1.2, 0.8, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Endocrinology}},
    {"207RH0003X", "Hematology & Oncology Physician", 1, 0.012, 2.0, 1.0, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Oncology}},
    {"2085R0001X", "Radiation Oncology Physician", 1, 0.004, 1.5, 0.6, 1.0, 0.0, false, {G::RadiationOncology}},
    {"207N00000X", "Dermatology Physician", 1, 0.011, 1.0, 0.5, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Dermatology}},
    {"207W00000X", "Ophthalmology Physician", 1, 0.015, 1.2, 0.6, 1.0, 0.0, false, {G::Ophthalmology}},
    {"207Y00000X", "Otolaryngology Physician", 1, 0.008, 1.2, 0.7, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Otolaryngology}},
    {"208800000X", "Urology Physician", 1, 0.009, 1.5, 0.8, 1.0, 0.0, false, {G::SpecialistOffice, G::Urology}},
    {"208100000X", "Physical Medicine & Rehabilitation Physician", 1, 0.008, 1.2, 0.8, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Rehabilitation}},
    {"207RR0500X", "Rheumatology Physician", 1, 0.005, 1.2, 0.7, 1.0, 0.0, false,
     {G::SpecialistOffice, G::Rheumatology}},
    {"225100000X", "Physical Therapist", 1, 0.060, 0.6, 0.5, 0.7, 0.0, false, {G::PhysicalTherapy}},
    {"152W00000X", "Optometrist", 1, 0.030, 0.3, 0.3, 0.8, 0.0, false, {G::Optometry}},
    {"111N00000X", "Chiropractor", 1, 0.035, 0.2, 0.2, 0.8, 0.0, false, {G::Chiropractic}},
    {"213E00000X", "Podiatrist", 1, 0.013, 0.5, 0.4, 0.9, 0.0, false, {G::Podiatry}},
    {"103T00000X", "Psychologist", 1, 0.020, 0.2, 0.2, 0.7, 0.0, false, {G::Psychotherapy}},
    {"1041C0700X", "Clinical Social Worker", 1, 0.030, 0.2, 0.2, 0.6, 0.0, false, {G::Psychotherapy}},
    // organizations (entity type 2)
    {"282N00000X", "General Acute Care Hospital", 2, 0.040, 25.0, 8.0, 6.0, 0.4, true,
     {G::HospitalFacility, G::Radiology, G::Laboratory}},
    {"282NC0060X", "Critical Access Hospital", 2, 0.015, 6.0, 4.0, 2.5, 0.0, false,
     {G::HospitalFacility, G::Laboratory}},
    {"193200000X", "Multi-Specialty Group", 2, 0.180, 6.0, 4.0, 4.0, 0.08, false,
     {G::PrimaryCare, G::SpecialistOffice, G::FluShots}},
    {"193400000X", "Single Specialty Group", 2, 0.170, 4.0, 2.5, 3.0, 0.05, false,
     {G::Cardiology, G::Orthopaedics, G::Gastroenterology, G::Ophthalmology}, true},
    {"261QM1300X", "Multi-Specialty Clinic/Center", 2, 0.060, 2.0, 2.0, 2.5, 0.0, false,
     {G::PrimaryCare, G::SpecialistOffice, G::FluShots}},
    {"261QR1300X", "Rural Health Clinic/Center", 2, 0.030, 1.5, 2.0, 2.0, 0.0, false, {G::PrimaryCare, G::FluShots}},
    {"261QF0400X", "Federally Qualified Health Center (FQHC)", 2, 0.030, 1.5, 2.0, 2.0, 0.0, false,
     {G::PrimaryCare, G::FluShots}},
    {"261QA1903X", "Ambulatory Surgical Clinic/Center", 2, 0.040, 3.0, 1.5, 3.0, 0.0, false, {G::SurgeryCenter}},
    {"261QP2000X", "Physical Therapy Clinic/Center", 2, 0.040, 1.0, 1.0, 3.0, 0.0, false, {G::PhysicalTherapy}},
    {"291U00000X", "Clinical Medical Laboratory", 2, 0.060, 5.0, 3.0, 10.0, 0.0, false, {G::Laboratory}},
    {"332B00000X", "Durable Medical Equipment & Medical Supplies", 2, 0.080, 2.0, 0.8, 2.0, 0.0, false,
     {G::MedicalEquipment}},
    {"3336C0003X", "Community/Retail Pharmacy", 2, 0.120, 1.0, 0.5, 3.0, 0.0, false, {G::Pharmacy}},
    {"251E00000X", "Home Health Agency", 2, 0.060, 3.0, 1.5, 2.0, 0.0, false, {G::HomeHealth}},
    {"314000000X", "Skilled Nursing Facility", 2, 0.070, 3.0, 1.5, 2.0, 0.0, false, {G::NursingFacility}},
    {"341600000X", "Ambulance Agency", 2, 0.050, 2.0, 1.2, 3.0, 0.0, false, {G::Ambulance}},
};

// ---- states (all 50 + DC): 2020 census population in thousands and ZIP3 prefix ranges -------

struct StateInfo {
  const char* usps;
  double population_k;
  std::array<std::array<std::uint16_t, 2>, 3> zip3;  // inclusive ranges; {0, 0} = unused
};

constexpr StateInfo kStates[] = {
    {"AL", 5024, {{{350, 369}}}},  {"AK", 733, {{{995, 999}}}},
    {"AZ", 7152, {{{850, 865}}}},  {"AR", 3012, {{{716, 729}}}},
    {"CA", 39538, {{{900, 961}}}}, {"CO", 5774, {{{800, 816}}}},
    {"CT", 3606, {{{60, 69}}}},    {"DE", 990, {{{197, 199}}}},
    {"DC", 690, {{{200, 200}, {202, 205}}}},
    {"FL", 21538, {{{320, 339}, {341, 349}}}},
    {"GA", 10712, {{{300, 319}, {398, 399}}}},
    {"HI", 1455, {{{967, 968}}}},  {"ID", 1839, {{{832, 838}}}},
    {"IL", 12812, {{{600, 629}}}}, {"IN", 6786, {{{460, 479}}}},
    {"IA", 3190, {{{500, 528}}}},  {"KS", 2938, {{{660, 679}}}},
    {"KY", 4506, {{{400, 427}}}},  {"LA", 4658, {{{700, 714}}}},
    {"ME", 1362, {{{39, 49}}}},    {"MD", 6177, {{{206, 219}}}},
    {"MA", 7030, {{{10, 27}, {55, 55}}}},
    {"MI", 10077, {{{480, 499}}}}, {"MN", 5706, {{{550, 567}}}},
    {"MS", 2961, {{{386, 397}}}},  {"MO", 6154, {{{630, 658}}}},
    {"MT", 1084, {{{590, 599}}}},  {"NE", 1962, {{{680, 693}}}},
    {"NV", 3105, {{{889, 898}}}},  {"NH", 1377, {{{30, 38}}}},
    {"NJ", 9289, {{{70, 89}}}},    {"NM", 2118, {{{870, 884}}}},
    {"NY", 20201, {{{100, 149}, {5, 5}}}},
    {"NC", 10439, {{{270, 289}}}}, {"ND", 779, {{{580, 588}}}},
    {"OH", 11799, {{{430, 459}}}}, {"OK", 3959, {{{730, 749}}}},
    {"OR", 4237, {{{970, 979}}}},  {"PA", 13003, {{{150, 196}}}},
    {"RI", 1097, {{{28, 29}}}},    {"SC", 5119, {{{290, 299}}}},
    {"SD", 887, {{{570, 577}}}},   {"TN", 6911, {{{370, 385}}}},
    {"TX", 29146, {{{750, 799}, {885, 885}}}},
    {"UT", 3272, {{{840, 847}}}},  {"VT", 643, {{{50, 54}, {56, 59}}}},
    {"VA", 8631, {{{220, 246}, {201, 201}}}},
    {"WA", 7705, {{{980, 994}}}},  {"WV", 1794, {{{247, 268}}}},
    {"WI", 5894, {{{530, 549}}}},  {"WY", 577, {{{820, 831}}}},
};
static_assert(std::size(kStates) == 51);

// ---- suppression reasons -----------------------------------------------------------------------

struct SuppressionReason {
  const char* reason;
  double share;
};
constexpr SuppressionReason kSuppressionReasons[] = {
    {"opt_out", 0.55}, {"compliance", 0.30}, {"oig_exclusion", 0.15}};

}  // namespace signalrank::synth
